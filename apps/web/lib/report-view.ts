// The JSON shape of a report as the API returns it and the pages show it.
// Client-safe: types and labels only.
import type { ReportStatus } from "@backline/db";

export type { ReportStatus };

export interface ReportView {
  id: string;
  type: string;
  title: string;
  params: Record<string, unknown>;
  status: ReportStatus;
  progress: number;
  stage: string | null;
  failureReason: string | null;
  attempts: number;
  pageCount: number | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  downloadUrl?: string;
}

export const STATUS_LABELS: Record<ReportStatus, string> = {
  queued: "Queued",
  generating: "Generating",
  emailing: "Emailing",
  sent: "Sent",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const isFinal = (status: ReportStatus) => status === "sent" || status === "failed" || status === "cancelled";
