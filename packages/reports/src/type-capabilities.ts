// What the registered report types declare beyond rendering, asked by id: the
// dates a schedule may make relative to its runs, and whether a campaign can
// send a type to each of many customers.
import { getReportType, reportTypes } from "./registry.ts";
import { resolveRange, type Relative, type RelativeRangeKind } from "./relative-dates.ts";

/** The ranges a type's schedules may use (none: its dates can't be relative). */
export const relativeRangesOf = (type: string): readonly RelativeRangeKind[] => getReportType(type)?.relativeDates?.ranges ?? [];

/** The params a range replaces for a type. */
export const relativeFieldsOf = (type: string): readonly string[] => getReportType(type)?.relativeDates?.fields ?? [];

/** The params a schedule's run on `runDate` (its local date) uses: its relative dates resolved and written in. */
export function paramsForRun(type: string, params: Record<string, unknown>, relative: Relative | null, runDate: Date): Record<string, unknown> {
  const dates = getReportType(type)?.relativeDates;
  return relative && dates ? dates.apply(params, resolveRange(relative, runDate)) : params;
}

/** The types a campaign can send: those made for one customer. */
export const recipientTypeIds = (): string[] => Object.values(reportTypes).flatMap((t) => ("recipientParam" in t && t.recipientParam ? [t.id] : []));

/** One recipient's params, or null when the type is not made per recipient. */
export function recipientParams(type: string, shared: Record<string, unknown>, customerId: number): Record<string, unknown> | null {
  const param = getReportType(type)?.recipientParam;
  return param ? { ...shared, [param]: customerId } : null;
}
