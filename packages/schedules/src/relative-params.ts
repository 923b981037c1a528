// Which report types' parameters can be relative to the run, and how a
// resolved date range is written into each type's own fields.
import type { ReportTypeId } from "@backline/reports";
import { resolveRange, type DateRange, type Relative, type RelativeRangeKind } from "./relative-dates.ts";

interface RelativeDates {
  /** The ranges that make sense for the type. */
  ranges: readonly RelativeRangeKind[];
  /** The params a range replaces (forms hide them when dates are relative). */
  fields: readonly string[];
  apply(params: Record<string, unknown>, range: DateRange): Record<string, unknown>;
}

export const RELATIVE_DATES: Partial<Record<ReportTypeId, RelativeDates>> = {
  "sales-summary": {
    ranges: ["previous-day", "previous-week", "previous-month", "month-to-date", "last-n-days"],
    fields: ["from", "to"],
    apply: (params, range) => ({ ...params, from: range.from, to: range.to }),
  },
  // A statement covers one calendar month: the previous one, or this one so far.
  "customer-statement": {
    ranges: ["previous-month", "month-to-date"],
    fields: ["month"],
    apply: (params, range) => ({ ...params, month: range.from.slice(0, 7) }),
  },
};

/** The ranges a type's schedules may use (none: its dates can't be relative). */
export function relativeRangesOf(type: string): readonly RelativeRangeKind[] {
  return RELATIVE_DATES[type as ReportTypeId]?.ranges ?? [];
}

/** The params a range replaces for a type. */
export function relativeFieldsOf(type: string): readonly string[] {
  return RELATIVE_DATES[type as ReportTypeId]?.fields ?? [];
}

/** The params a run at `runDate` (its local date) uses. */
export function paramsForRun(type: string, params: Record<string, unknown>, relative: Relative | null, runDate: Date): Record<string, unknown> {
  const dates = RELATIVE_DATES[type as ReportTypeId];
  if (!relative || !dates) return params;
  return dates.apply(params, resolveRange(relative, runDate));
}
