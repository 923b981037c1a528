import "server-only";
import type { Report } from "@backline/db";
import { getReportType } from "@backline/reports";
import type { ReportView } from "../report-view";

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
    finishedAt: report.finishedAt?.toISOString() ?? null,
    ...(report.filePath && (report.status === "emailing" || report.status === "sent") ? { downloadUrl: `/reports/${report.id}/download` } : {}),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids are UUIDs; anything else is simply not found (and never reaches SQL). */
export const isReportId = (id: string) => UUID.test(id);
