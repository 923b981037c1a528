import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { toEventView, toReportView } from "@backline/report-service";
import { ReportStatusView } from "@/components/report-status";
import { db } from "@/lib/server/db";
import { describeParams, isReportId } from "@/lib/server/report-view";

export const dynamic = "force-dynamic";

export async function generateMetadata(props: PageProps<"/reports/[id]">): Promise<Metadata> {
  const { id } = await props.params;
  return { title: isReportId(id) ? "Report status" : "Report not found" };
}

export default async function ReportPage(props: PageProps<"/reports/[id]">) {
  const { id } = await props.params;
  if (!isReportId(id)) notFound();
  const report = await db().report.findUnique({ where: { id }, include: { events: { orderBy: { id: "asc" } } } });
  if (!report) notFound();
  return <ReportStatusView initial={toReportView(report)} initialEvents={report.events.map(toEventView)} params={await describeParams(db(), report)} />;
}
