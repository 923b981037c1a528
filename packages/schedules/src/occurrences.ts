// When a schedule runs. A cron expression names wall-clock times in the
// schedule's zone; each match is an *occurrence*, identified by that nominal
// local time (the unique key of schedule_runs). Turning it into an instant is
// where schedulers go wrong around DST, so the rules are explicit here:
// - a local time inside a spring-forward gap (02:30 on the night clocks jump
//   from 02:00 to 03:00) runs once, at the first valid instant after it: the
//   end of the gap;
// - a local time inside a fall-back overlap (02:30 happens twice) runs once,
//   at its first instance.
// croner finds the matches — asked in UTC, which has no DST, so it sees plain
// wall-clock arithmetic — and Temporal (temporal-polyfill) maps each nominal
// time to an instant with the zone's real rules.
//
// A nominal local time is carried as a Date whose UTC fields are the wall-clock
// fields (@backline/db local-time.ts).
import { Cron } from "croner";
import { Temporal } from "temporal-polyfill";

export type LocalTime = Date;

/** The most DST ever shifts a clock (Lord Howe's half hour, the usual hour, a few historical two-hour jumps) — with room to spare. */
const MAX_SHIFT_MS = 3 * 3600_000;

export type CronCheck = { ok: true; cron: Cron } | { ok: false; message: string };

/** Five fields (minute hour day-of-month month day-of-week), so never more often than once a minute; and it must ever run. */
export function parseCron(expression: string): CronCheck {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    return { ok: false, message: `Use five fields (minute hour day-of-month month day-of-week), e.g. "0 8 * * 1"; this has ${fields.length}` };
  }
  let cron: Cron;
  try {
    cron = new Cron(fields.join(" "), { mode: "5-part", timezone: "Etc/UTC" });
  } catch (err) {
    return { ok: false, message: `Not a valid cron expression: ${(err as Error).message.replace(/^CronPattern: /, "")}` };
  }
  if (!cron.nextRun(new Date(0))) return { ok: false, message: "This expression never matches a date (e.g. 30 February)" };
  return { ok: true, cron };
}

/** The canonical IANA name ("europe/berlin" → "Europe/Berlin"), or null when it isn't a zone. */
export function canonicalTimeZone(timeZone: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(timeZone)) return null;
  try {
    return Temporal.Now.zonedDateTimeISO(timeZone).timeZoneId;
  } catch {
    return null;
  }
}

const toPlain = (local: LocalTime) =>
  new Temporal.PlainDateTime(
    local.getUTCFullYear(),
    local.getUTCMonth() + 1,
    local.getUTCDate(),
    local.getUTCHours(),
    local.getUTCMinutes(),
    local.getUTCSeconds(),
  );

/** The next occurrence strictly after `after` (both nominal local times), or null if there is none. */
export function nextOccurrence(cron: Cron, after: LocalTime): LocalTime | null {
  return cron.nextRun(after);
}

/** The instant a nominal local time runs at in `timeZone`, by the DST rules above. */
export function instantOf(local: LocalTime, timeZone: string): Date {
  const wanted = toPlain(local);
  const zoned = wanted.toZonedDateTime(timeZone, { disambiguation: "earlier" });
  if (zoned.toPlainDateTime().equals(wanted)) return new Date(zoned.epochMilliseconds);
  // Not a wall-clock time that exists: it is inside a gap, and runs when the gap ends.
  const gapEnd = zoned.getTimeZoneTransition("next");
  if (!gapEnd) throw new RangeError(`${wanted.toString()} does not exist in ${timeZone} and no transition follows it`);
  return new Date(gapEnd.epochMilliseconds);
}

/** The wall-clock time in `timeZone` at an instant. */
export function localTimeOf(instant: Date, timeZone: string): LocalTime {
  const p = Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(timeZone).toPlainDateTime();
  return new Date(Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second));
}

/**
 * The first occurrence whose instant is after `instant`: where a new (or
 * resumed, or edited) schedule starts. Starting a little before the local time
 * catches the occurrences a fall-back hour or a gap moves past it.
 */
export function firstOccurrenceAfter(cron: Cron, timeZone: string, instant: Date): LocalTime | null {
  let local: LocalTime | null = new Date(localTimeOf(instant, timeZone).getTime() - MAX_SHIFT_MS);
  for (let i = 0; i < 100_000; i++) {
    local = nextOccurrence(cron, local);
    if (!local) return null;
    if (instantOf(local, timeZone) > instant) return local;
  }
  return null;
}

/** The next `count` occurrences after an instant, as nominal local time and instant (the schedule page's "next runs"). */
export function upcoming(cron: Cron, timeZone: string, after: Date, count: number): { occurrence: LocalTime; at: Date }[] {
  const out: { occurrence: LocalTime; at: Date }[] = [];
  let local = firstOccurrenceAfter(cron, timeZone, after);
  while (local && out.length < count) {
    out.push({ occurrence: local, at: instantOf(local, timeZone) });
    local = nextOccurrence(cron, local);
  }
  return out;
}
