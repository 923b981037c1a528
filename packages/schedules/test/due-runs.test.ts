// Relative dates resolved on a run's local date, and what the scheduler does
// with occurrences it finds late (it was down): the schedule's missed-run policy.
import { describe, expect, it } from "vitest";
import { formatLocalTime, jitterMs, paramsForRun, parseCron, planDueRuns, resolveRange, type MissedRunPolicy } from "../src/index.ts";

const day = (iso: string) => new Date(`${iso}T08:00:00Z`);

describe("relative dates", () => {
  it("resolve on the run's date: previous day, week (Monday–Sunday), month, month to date, last N days", () => {
    const monday = day("2026-03-02"); // a Monday
    expect(resolveRange({ range: "previous-day" }, monday)).toEqual({ from: "2026-03-01", to: "2026-03-01" });
    expect(resolveRange({ range: "previous-week" }, monday)).toEqual({ from: "2026-02-23", to: "2026-03-01" });
    expect(resolveRange({ range: "previous-week" }, day("2026-03-08"))).toEqual({ from: "2026-02-23", to: "2026-03-01" }); // a Sunday
    expect(resolveRange({ range: "previous-month" }, monday)).toEqual({ from: "2026-02-01", to: "2026-02-28" });
    expect(resolveRange({ range: "previous-month" }, day("2028-03-01"))).toEqual({ from: "2028-02-01", to: "2028-02-29" });
    expect(resolveRange({ range: "previous-month" }, day("2027-01-10"))).toEqual({ from: "2026-12-01", to: "2026-12-31" });
    expect(resolveRange({ range: "month-to-date" }, day("2026-03-15"))).toEqual({ from: "2026-03-01", to: "2026-03-15" });
    expect(resolveRange({ range: "last-n-days", days: 7 }, monday)).toEqual({ from: "2026-02-23", to: "2026-03-01" });
  });

  it("are written into each type's own fields, and only types that declare them are changed", () => {
    const run = day("2026-03-02");
    expect(paramsForRun("sales-summary", { groupBy: "day" }, { range: "previous-week" }, run)).toEqual({
      groupBy: "day",
      from: "2026-02-23",
      to: "2026-03-01",
    });
    expect(paramsForRun("customer-statement", { customerId: 7 }, { range: "previous-month" }, run)).toEqual({ customerId: 7, month: "2026-02" });
    expect(paramsForRun("customer-statement", { customerId: 7, month: "2025-01" }, null, run)).toEqual({ customerId: 7, month: "2025-01" });
  });
});

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
