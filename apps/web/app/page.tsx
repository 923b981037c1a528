import type { Metadata } from "next";
import { ReportForm } from "@/components/report-form";
import { reportTypeOptions } from "@/lib/server/form-options";
import { requireActor } from "@/lib/server/session";

// The layout's title template only applies below the root segment.
export const metadata: Metadata = { title: { absolute: "New report · Backline" } };
// Defaults depend on today's date and the customer list on the database.
export const dynamic = "force-dynamic";

export default async function NewReportPage() {
  const actor = await requireActor("/");
  const types = reportTypeOptions();

  return (
    <>
      <h1>Generate a report</h1>
      <p className="lede">Pick a report and its parameters. We build the PDF in the background and email it to you — you can watch it happen.</p>
      <ReportForm types={types} email={actor.email} />
    </>
  );
}
