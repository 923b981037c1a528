import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { isReportId, toEventView, toReportView } from "@backline/report-service";
import { DownloadActivity } from "@/components/download-activity";
import { ReportStatusView } from "@/components/report-status-view";
import { reportService } from "@/lib/server/reports";
import { requireActor } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export async function generateMetadata(props: PageProps<"/reports/[id]">): Promise<Metadata> {
  const { id } = await props.params;
  return { title: isReportId(id) ? "Report status" : "Report not found" };
}

export default async function ReportPage(props: PageProps<"/reports/[id]">) {
  const { id } = await props.params;
  const actor = await requireActor(`/reports/${id}`);
  // Someone else's report is "not found", exactly like a missing one.
  const page = await reportService().statusPage(id, actor);
  if (!page) notFound();
  const revoked = Number((await props.searchParams).revoked);
  return (
    <ReportStatusView initial={toReportView(page.report)} initialEvents={page.events.map(toEventView)} params={page.params}>
      <DownloadActivity reportId={id} activity={page.downloads} canRevoke={page.isOwner} revoked={Number.isInteger(revoked) && revoked >= 0 ? revoked : null} />
    </ReportStatusView>
  );
}
