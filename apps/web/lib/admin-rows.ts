// How the admin console's pages turn report rows into the bulk table's rows (titles from the report registry).
import type { ReportHit } from "@backline/report-service";
import { reportTypes } from "@backline/reports";
import type { BulkRow } from "@/components/bulk-report-table";

export const reportTitle = (type: string) => reportTypes[type as keyof typeof reportTypes]?.title ?? type;

export function bulkRow(r: ReportHit, note: string | null = r.failureReason, at: Date | null = r.finishedAt ?? r.createdAt): BulkRow {
  return { id: r.id, title: reportTitle(r.type), ownerEmail: r.ownerEmail, status: r.status, note, at: at?.toISOString() ?? null };
}

/** The first value of a search parameter, if any. */
export const firstParam = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
