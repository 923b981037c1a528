// What the scheduler does with occurrences it finds late (it was down): the
// schedule's missed-run policy; and each schedule's fixed jitter.
import { describe, expect, it } from "vitest";
import { formatLocalTime, jitterMs, parseCron, planDueRuns, type MissedRunPolicy } from "../src/index.ts";

describe("missed runs", () => {
  const cron = (() => {
    const c = parseCron("0 * * * *");
    if (!c.ok) throw new Error(c.message);
    return c.cron;
  })();
  // Down from 00:30 to 06:10: occurrences 01:00 … 06:00 are due, all but 06:00 more than 5 minutes late.
  const plan = (policy: MissedRunPolicy, catchUpMax = 2) =>
    planDueRuns({
      cron,
      timeZone: "UTC",
      first: new Date("2026-05-01T01:00:00Z"),
      jitter: 0,
      now: new Date("2026-05-01T06:03:00Z"),
      policy,
      lateAfterMs: 300_000,
      catchUpMax,
    });
  const times = (runs: { occurrence: Date }[]) => runs.map((r) => formatLocalTime(r.occurrence).slice(11));

  it("latest: only on-time occurrences run when there are any; the late ones are recorded missed", () => {
    const p = plan("latest");
    expect(times(p.run)).toEqual(["06:00"]);
    expect(times(p.missed)).toEqual(["01:00", "02:00", "03:00", "04:00", "05:00"]);
    expect(formatLocalTime(p.next!)).toBe("2026-05-01T07:00");
  });

  it("latest: with nothing on time, the most recent late occurrence runs once", () => {
    const p = planDueRuns({
      cron,
      timeZone: "UTC",
      first: new Date("2026-05-01T01:00:00Z"),
      jitter: 0,
      now: new Date("2026-05-01T05:40:00Z"),
      policy: "latest",
      lateAfterMs: 300_000,
      catchUpMax: 10,
    });
    expect(times(p.run)).toEqual(["05:00"]);
    expect(times(p.missed)).toEqual(["01:00", "02:00", "03:00", "04:00"]);
  });

  it("skip: late occurrences are all recorded missed; all: the most recent catchUpMax run, the rest missed", () => {
    expect(times(plan("skip").run)).toEqual(["06:00"]);
    expect(times(plan("skip").missed)).toEqual(["01:00", "02:00", "03:00", "04:00", "05:00"]);
    expect(times(plan("all").run)).toEqual(["04:00", "05:00", "06:00"]);
    expect(times(plan("all").missed)).toEqual(["01:00", "02:00", "03:00"]);
  });

  it("a long outage is never a burst: an every-minute schedule stopped for a week runs only the last five minutes' occurrences and records the 100 before them missed", () => {
    const everyMinute = parseCron("* * * * *");
    if (!everyMinute.ok) throw new Error(everyMinute.message);
    const p = planDueRuns({
      cron: everyMinute.cron,
      timeZone: "UTC",
      first: new Date("2026-05-01T00:00:00Z"),
      jitter: 0,
      now: new Date("2026-05-08T00:00:30Z"),
      policy: "latest",
      lateAfterMs: 300_000,
      catchUpMax: 10,
    });
    expect(p.run.length).toBe(5); // 23:56 … 00:00 are within five minutes
    expect(p.missed.length).toBe(100);
    expect(p.uncounted).toBe(7 * 24 * 60 + 1 - 5 - 100);
  });
});

describe("jitter", () => {
  it("is the same for a schedule every time, inside the window, and spreads schedules over it", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `0193a7c2-5b7e-7c3a-9d1e-${String(i).padStart(12, "0")}`);
    const offsets = ids.map((id) => jitterMs(id, 15_000));
    expect(offsets.every((o) => o >= 0 && o < 15_000)).toBe(true);
    expect(jitterMs(ids[0]!, 15_000)).toBe(offsets[0]);
    // Spread: each of the fifteen one-second slices gets some.
    const perSecond = new Set(offsets.map((o) => Math.floor(o / 1000)));
    expect(perSecond.size).toBe(15);
    expect(jitterMs(ids[0]!, 0)).toBe(0);
  });
});
