import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { findVisibleReport, toEventView, toReportView } from "@backline/report-service";
import { DownloadActivity } from "@/components/download-activity";
import { ReportStatusView } from "@/components/report-status";
import { db } from "@/lib/server/db";
import { describeParams, isReportId } from "@/lib/server/report-view";
import { requireActor } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export async function generateMetadata(props: PageProps<"/reports/[id]">): Promise<Metadata> {
  const { id } = await props.params;
  return { title: isReportId(id) ? "Report status" : "Report not found" };
}

export default async function ReportPage(props: PageProps<"/reports/[id]">) {
  const { id } = await props.params;
  const actor = await requireActor(`/reports/${id}`);
  if (!isReportId(id)) notFound();
  // Someone else's report is "not found", exactly like a missing one.
  const report = await findVisibleReport(db(), id, actor);
  if (!report) notFound();
  const now = new Date();
  const [events, params, activeLinks, downloads, totalDownloads] = await Promise.all([
    db().reportEvent.findMany({ where: { reportId: id }, orderBy: { id: "asc" } }),
    describeParams(db(), report),
    db().downloadLink.count({ where: { reportId: id, revokedAt: null, expiresAt: { gt: now } } }),
    db().download.findMany({ where: { reportId: id }, orderBy: { id: "desc" }, take: 5, select: { id: true, at: true, ip: true, linkId: true } }),
    db().download.count({ where: { reportId: id } }),
  ]);
  const revoked = Number((await props.searchParams).revoked);
  return (
    <ReportStatusView initial={toReportView(report)} initialEvents={events.map(toEventView)} params={params}>
      <DownloadActivity
        reportId={id}
        activeLinks={activeLinks}
        downloads={downloads}
        totalDownloads={totalDownloads}
        canRevoke={report.userId === actor.userId}
        revoked={Number.isInteger(revoked) && revoked >= 0 ? revoked : null}
      />
    </ReportStatusView>
  );
}
