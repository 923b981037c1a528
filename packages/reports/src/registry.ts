// Every report type, keyed by its id. Adding a type: one file under ./types/
// and one line here.
import type { z } from "zod";
import type { ReportType } from "./define.ts";
import { customerStatement } from "./types/customer-statement.ts";
import { salesSummary } from "./types/sales-summary.ts";

/** Compile-time check: each key must equal the `id` of the type stored under it. */
// biome-ignore lint/suspicious/noExplicitAny: any type's data fits here; `unknown` would not, since render takes the data as a parameter (contravariant).
function keyedById<const T extends Record<string, ReportType<string, z.ZodType, any>>>(types: T & { [K in keyof T]: { id: K } }): T {
  return types;
}

export const reportTypes = keyedById({
  "sales-summary": salesSummary,
  "customer-statement": customerStatement,
});

export type ReportTypeId = keyof typeof reportTypes;

/** Params after parsing (defaults filled in) for one report type. */
export type ReportParams<Id extends ReportTypeId> = z.output<(typeof reportTypes)[Id]["params"]>;

/** Any registered type, with its data type erased (what a worker holds after a lookup by id). */
export type AnyReportType = ReportType<ReportTypeId, z.ZodType, unknown>;

/** Non-empty, so it can go straight into `z.enum(reportTypeIds)`. */
export const reportTypeIds = Object.keys(reportTypes) as [ReportTypeId, ...ReportTypeId[]];

export function isReportTypeId(id: string): id is ReportTypeId {
  return Object.hasOwn(reportTypes, id);
}

/** The type registered under `id`, or undefined (also for "constructor", "__proto__" and friends). */
export function getReportType(id: string): AnyReportType | undefined {
  return isReportTypeId(id) ? (reportTypes[id] as AnyReportType) : undefined;
}
