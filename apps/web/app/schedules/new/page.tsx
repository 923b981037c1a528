import type { Metadata } from "next";
import { ScheduleForm } from "@/components/schedule-form";
import { scheduleTypeOptions } from "@/lib/server/form-options";
import { requireActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "New schedule" };
export const dynamic = "force-dynamic";

/** ?type=…&params=<JSON> prefill it from the report form's "Schedule this report". */
function prefill(search: Record<string, string | string[] | undefined>, typeIds: string[]) {
  const type = typeof search.type === "string" && typeIds.includes(search.type) ? search.type : typeIds[0]!;
  let params: Record<string, unknown> = {};
  if (typeof search.params === "string" && search.params.length < 4000) {
    try {
      const parsed: unknown = JSON.parse(search.params);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) params = parsed as Record<string, unknown>;
    } catch {
      // A hand-edited URL: start from the defaults.
    }
  }
  return { type, params };
}

export default async function NewSchedulePage(props: PageProps<"/schedules/new">) {
  const actor = await requireActor("/schedules/new");
  const types = scheduleTypeOptions();
  const { type, params } = prefill(
    await props.searchParams,
    types.map((t) => t.id),
  );
  const weekly = types.find((t) => t.id === type)?.ranges.some((r) => r.id === "previous-week");
  return (
    <>
      <h1>Schedule a report</h1>
      <p className="lede">Backline builds it at each time you choose and emails it to you. Every run is listed with its outcome.</p>
      <ScheduleForm
        types={types}
        timeZones={Intl.supportedValuesOf("timeZone")}
        email={actor.email}
        initial={{
          type,
          params,
          relative: weekly ? { range: "previous-week" } : null,
          cron: "0 8 * * 1",
          timeZone: null,
          skipIfEmpty: false,
          missed: "latest",
        }}
      />
    </>
  );
}
