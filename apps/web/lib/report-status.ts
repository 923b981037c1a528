// What client components know about reports: the JSON shapes (types only), the
// words for each status, and the status rules (from @backline/db/report-status).
import type { ReportStatus } from "@backline/db/report-status";
import type { QueuePosition, ReportEventView, ReportView } from "@backline/report-service";

export type { ReportEventView, ReportStatus, ReportView };

/** GET /api/reports/:id adds where a queued report stands, and with ?sinceEvent= the newer history. */
export type ReportStatusResponse = ReportView & { queue?: QueuePosition | null; events?: ReportEventView[] };

export const STATUS_LABELS: Record<ReportStatus, string> = {
  queued: "Queued",
  generating: "Generating",
  emailing: "Emailing",
  sent: "Sent",
  failed: "Failed",
  cancelled: "Cancelled",
  skipped: "Skipped — no data",
};

export { REPORT_STATUSES, canCancel, canRetry, isDownloadable, isFinal } from "@backline/db/report-status";
