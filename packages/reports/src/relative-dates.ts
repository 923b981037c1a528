// Dates relative to a scheduled run: "previous week", "month to date", …
// resolved at each occurrence from its date in the schedule's zone (a Monday
// 08:00 Berlin run's "previous week" is Berlin's previous Monday–Sunday), and
// written into the report as absolute dates, which is what its PDF prints.
// Each report type declares which ranges fit it (define.ts relativeDates).
import { z } from "zod";

export const RELATIVE_RANGES = ["previous-day", "previous-week", "previous-month", "month-to-date", "last-n-days"] as const;
export type RelativeRangeKind = (typeof RELATIVE_RANGES)[number];

/** Each range in words, to follow "Relative to each run: ". */
export const RANGE_LABELS: Record<RelativeRangeKind, string> = {
  "previous-day": "the previous day",
  "previous-week": "the previous week (Monday to Sunday)",
  "previous-month": "the previous month",
  "month-to-date": "this month so far",
  "last-n-days": "the last N days",
};

export const relativeSchema = z
  .strictObject({
    range: z.enum(RELATIVE_RANGES, { error: `Must be one of: ${RELATIVE_RANGES.join(", ")}` }),
    days: z.number().int({ error: "Must be a whole number of days" }).min(1).max(366).optional(),
  })
  .refine((r) => (r.range === "last-n-days") === (r.days !== undefined), {
    error: "Give days with last-n-days, and only then",
    path: ["days"],
  });

export type Relative = z.infer<typeof relativeSchema>;

/** An inclusive range of calendar dates, "YYYY-MM-DD". */
export interface DateRange {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The dates `relative` means on `runDate` (the occurrence's local date, at UTC
 * midnight). Ranges end the day before the run, except month-to-date, which
 * includes it (a digest sent on the 15th covers the 1st to the 15th so far).
 */
export function resolveRange(relative: Relative, runDate: Date): DateRange {
  const day = Date.UTC(runDate.getUTCFullYear(), runDate.getUTCMonth(), runDate.getUTCDate());
  const y = runDate.getUTCFullYear();
  const m = runDate.getUTCMonth();
  switch (relative.range) {
    case "previous-day":
      return { from: iso(day - DAY_MS), to: iso(day - DAY_MS) };
    case "previous-week": {
      const monday = day - ((runDate.getUTCDay() + 6) % 7) * DAY_MS;
      return { from: iso(monday - 7 * DAY_MS), to: iso(monday - DAY_MS) };
    }
    case "previous-month":
      return { from: iso(Date.UTC(y, m - 1, 1)), to: iso(Date.UTC(y, m, 1) - DAY_MS) };
    case "month-to-date":
      return { from: iso(Date.UTC(y, m, 1)), to: iso(day) };
    case "last-n-days":
      return { from: iso(day - (relative.days ?? 1) * DAY_MS), to: iso(day - DAY_MS) };
  }
}
