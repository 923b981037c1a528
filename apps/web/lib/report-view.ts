// What client components know about reports: the shared JSON shapes (types
// only) and the words for each status.
import type { ReportStatus } from "@backline/db";
import type { QueuePosition, ReportEventView, ReportView } from "@backline/report-service";

export type { QueuePosition, ReportEventView, ReportStatus, ReportView };

/** GET /api/reports/:id adds where a queued report stands, and with ?sinceEvent= the newer history. */
export type ReportStatusResponse = ReportView & { queue?: QueuePosition | null; events?: ReportEventView[] };

export const STATUS_LABELS: Record<ReportStatus, string> = {
  queued: "Queued",
  generating: "Generating",
  emailing: "Emailing",
  sent: "Sent",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const REPORT_STATUSES = Object.keys(STATUS_LABELS) as ReportStatus[];

export const isFinal = (status: ReportStatus) => status === "sent" || status === "failed" || status === "cancelled";
