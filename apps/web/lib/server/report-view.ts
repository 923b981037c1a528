import "server-only";
import type { PrismaClient, Report } from "@backline/db";
import { getReportType } from "@backline/reports";

export interface ParamLine {
  label: string;
  value: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids are UUIDs; anything else is simply not found (and never reaches SQL). */
export const isReportId = (id: string) => UUID.test(id);

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
