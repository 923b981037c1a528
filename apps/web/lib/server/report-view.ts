import "server-only";
import type { PrismaClient, Report } from "@backline/db";
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

export interface ParamLine {
  label: string;
  value: string;
}

/** The report's parameters in the words of its form (labels, option and customer names), in form order. */
export async function describeParams(db: PrismaClient, report: Report): Promise<ParamLine[]> {
  const type = getReportType(report.type);
  const params = report.params as Record<string, unknown>;
  if (!type) return Object.entries(params).map(([label, value]) => ({ label, value: String(value) }));
  return Promise.all(
    type.form.map(async (field) => {
      const raw = params[field.name];
      if (field.kind === "select") {
        return { label: field.label, value: field.options.find((o) => o.value === String(raw ?? ""))?.label ?? String(raw) };
      }
      if (field.kind === "customer" && typeof raw === "number") {
        const customer = await db.customer.findUnique({ where: { id: raw }, select: { name: true } });
        return { label: field.label, value: customer ? `${customer.name} (#${raw})` : `#${raw}` };
      }
      return { label: field.label, value: raw === undefined || raw === null ? "—" : String(raw) };
    }),
  );
}
