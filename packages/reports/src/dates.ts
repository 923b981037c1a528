// Calendar helpers. Everything is UTC; a date is a "YYYY-MM-DD" string and a
// month a "YYYY-MM" string, so no local time zone can shift a day. Printing
// them for a reader is format.ts's job (Intl, in the reader's locale).

const DAY_MS = 86_400_000;

/** UTC midnight of a real calendar date "YYYY-MM-DD", or undefined (rejects 2026-02-30). */
export function parseIsoDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (y < 1 || back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms;
}

/** UTC midnight of the first day of a real month "YYYY-MM", or undefined. */
export function parseIsoMonth(text: string): number | undefined {
  return /^\d{4}-\d{2}$/.test(text) ? parseIsoDate(`${text}-01`) : undefined;
}

export function isoDate(ms: number | Date): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(ms: number, days: number): number {
  return ms + days * DAY_MS;
}

export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
}

/** Inclusive number of days from `fromMs` to `toMs` (same day = 1). */
export function daysInclusive(fromMs: number, toMs: number): number {
  return Math.round((toMs - fromMs) / DAY_MS) + 1;
}

/** The last whole calendar month before `now`: { first, last } as "YYYY-MM-DD", plus "YYYY-MM". */
export function lastFullMonth(now: Date = new Date()): { month: string; first: string; last: string } {
  const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
  const last = addDays(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), -1);
  return { month: isoDate(first).slice(0, 7), first: isoDate(first), last: isoDate(last) };
}

/** Monday on or before the date (ISO weeks, as Postgres date_trunc('week')). */
function startOfWeek(ms: number): number {
  const dow = (new Date(ms).getUTCDay() + 6) % 7; // Monday = 0
  return addDays(ms, -dow);
}

export type Grouping = "day" | "week" | "month";

/** Start date of every period touching [from, to], in order: the keys date_trunc produces. */
export function periodStarts(fromMs: number, toMs: number, grouping: Grouping): string[] {
  const out: string[] = [];
  let at = grouping === "day" ? fromMs : grouping === "week" ? startOfWeek(fromMs) : addMonths(fromMs, 0);
  while (at <= toMs) {
    out.push(isoDate(at));
    at = grouping === "day" ? addDays(at, 1) : grouping === "week" ? addDays(at, 7) : addMonths(at, 1);
  }
  return out;
}
