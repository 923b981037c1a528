// The JSON shape of a report and of one history event, as the API returns
// them, the SSE stream pushes them and the pages show them. Nothing here names
// our infrastructure (worker hosts, process ids), and failure reasons are the
// worker's plain phrases (apps/worker/src/processors/failure.ts).
import { formatLocalTime, isDownloadable, type Report, type ReportEvent, type ReportStatus } from "@backline/db";
import { getReportType } from "@backline/reports";
import { downloadPath } from "./download-links.ts";

export interface ReportEventView {
  id: string;
  at: string;
  status: ReportStatus;
  progress: number;
  message: string;
  attempt: number;
}

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
  startedAt: string | null;
  finishedAt: string | null;
  /** Set when a schedule made it: the schedule, and the occurrence (nominal local time in its zone, "YYYY-MM-DDTHH:mm") it is the run of. */
  scheduleId: string | null;
  occurrence: string | null;
  downloadUrl?: string;
}

export function toReportView(report: Report): ReportView {
  return {
    id: report.id,
    type: report.type,
    title: getReportType(report.type)?.title ?? report.type,
    params: report.params as Record<string, unknown>,
    status: report.status,
    progress: report.progress,
    stage: report.stage,
    failureReason: report.failureReason,
    attempts: report.attempts,
    pageCount: report.pageCount,
    createdAt: report.createdAt.toISOString(),
    updatedAt: report.updatedAt.toISOString(),
    startedAt: report.startedAt?.toISOString() ?? null,
    finishedAt: report.finishedAt?.toISOString() ?? null,
    scheduleId: report.scheduleId,
    occurrence: report.occurrence ? formatLocalTime(report.occurrence) : null,
    ...(report.filePath && isDownloadable(report.status) ? { downloadUrl: downloadPath(report.id) } : {}),
  };
}

export function toEventView(event: ReportEvent): ReportEventView {
  return {
    id: event.id.toString(),
    at: event.at.toISOString(),
    status: event.status,
    progress: event.progress,
    message: event.message,
    attempt: event.attempt,
    // No workerId: `hostname:pid` names our machines; it stays in the database and the logs.
  };
}

/** A report has a PDF to download once it is emailing or sent (the PDF is written before either). */
