// What the scheduler does with the occurrences that are due when it looks: all
// of them on time in normal operation; after downtime, the schedule's
// missed-run policy decides about the late ones — never a burst of everything.
import { createHash } from "node:crypto";
import type { Cron } from "croner";
import { instantOf, nextOccurrence, type LocalTime } from "./occurrences.ts";

export type MissedRunPolicy = "latest" | "skip" | "all";

export interface DueOccurrence {
  occurrence: LocalTime;
  /** Its instant plus the schedule's jitter. */
  dueAt: Date;
}

/** A fixed offset in [0, windowMs) per schedule: the same every run, different between schedules. */
export function jitterMs(scheduleId: string, windowMs: number): number {
  if (windowMs <= 0) return 0;
  return createHash("sha256").update(scheduleId).digest().readUInt32BE(0) % windowMs;
}

export const dueAtOf = (occurrence: LocalTime, timeZone: string, jitter: number) => new Date(instantOf(occurrence, timeZone).getTime() + jitter);

/** Late occurrences kept individually when a long outage is caught up; older ones are only counted. */
const MISSED_RECORDED_MAX = 100;
/** Enough for an every-minute schedule stopped for about ten weeks. */
const ENUMERATION_MAX = 100_000;

export interface DuePlan {
  run: DueOccurrence[];
  /** Recorded as Missed (the most recent MISSED_RECORDED_MAX of them). */
  missed: DueOccurrence[];
  /** Late occurrences beyond those, neither run nor recorded. */
  uncounted: number;
  /** Where the schedule goes on from: the first occurrence not yet due (null: none ever again). */
  next: LocalTime | null;
}

/**
 * Every occurrence from `first` on that is due by `now`, sorted into run and
 * missed. An occurrence is late when it was due more than `lateAfterMs` ago.
 */
export function planDueRuns(input: {
  cron: Cron;
  timeZone: string;
  first: LocalTime;
  jitter: number;
  now: Date;
  policy: MissedRunPolicy;
  lateAfterMs: number;
  catchUpMax: number;
}): DuePlan {
  const { cron, timeZone, jitter, now } = input;
  const lateBefore = now.getTime() - input.lateAfterMs;
  const onTime: DueOccurrence[] = [];
  // Only the tail of a long outage is kept; what falls off it is counted.
  const late: DueOccurrence[] = [];
  const keepLate = Math.max(MISSED_RECORDED_MAX + 1, input.catchUpMax);
  let dropped = 0;
  let local: LocalTime | null = input.first;
  for (let i = 0; local && i < ENUMERATION_MAX; i++) {
    const dueAt = dueAtOf(local, timeZone, jitter);
    if (dueAt > now) break;
    if (dueAt.getTime() < lateBefore) {
      late.push({ occurrence: local, dueAt });
      if (late.length > keepLate) {
        late.shift();
        dropped += 1;
      }
    } else onTime.push({ occurrence: local, dueAt });
    local = nextOccurrence(cron, local);
  }

  let run: DueOccurrence[];
  let missed: DueOccurrence[];
  if (input.policy === "all") {
    run = late.slice(-input.catchUpMax);
    missed = late.slice(0, late.length - run.length);
  } else if (input.policy === "latest" && onTime.length === 0 && late.length > 0) {
    run = late.slice(-1);
    missed = late.slice(0, -1);
  } else {
    run = [];
    missed = late;
  }
  const recorded = missed.slice(-MISSED_RECORDED_MAX);
  return { run: [...run, ...onTime], missed: recorded, uncounted: dropped + missed.length - recorded.length, next: local };
}
