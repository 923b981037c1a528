import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ScheduleForm } from "@/components/schedule-form";
import { scheduleTypeOptions } from "@/lib/server/form-options";
import { scheduleService } from "@/lib/server/schedules";
import { requireActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "Edit schedule" };
export const dynamic = "force-dynamic";

export default async function EditSchedulePage(props: PageProps<"/schedules/[id]/edit">) {
  const { id } = await props.params;
  const actor = await requireActor(`/schedules/${id}/edit`);
  const schedule = await scheduleService().get(id, actor);
  if (!schedule) notFound();
  const types = scheduleTypeOptions();
  return (
    <>
      <h1>Edit schedule</h1>
      <p className="lede">Changing when it repeats, or its zone, starts it again from now; runs already made stay as they are.</p>
      <ScheduleForm types={types} timeZones={Intl.supportedValuesOf("timeZone")} email={actor.email} initial={schedule} />
    </>
  );
}
