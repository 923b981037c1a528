// When schedules run, with an injected clock: the DST rules on the nights clocks
// change (Europe/Berlin 2026-03-29 and 2026-10-25, America/New_York 2026-03-08
// and 2026-11-01) for daily 02:30 and hourly schedules, simulated the way the
// scheduler meets them — a tick every minute, each taking what is due.
import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { canonicalTimeZone, firstOccurrenceAfter, formatLocalTime, instantOf, parseCron, planDueRuns, upcoming, type LocalTime } from "../src/index.ts";

const local = (text: string): LocalTime => new Date(`${text}Z`);

/** Ticks once a minute over [from, to) and returns every run as "nominal local time → instant". */
function simulate(cronText: string, timeZone: string, from: string, to: string): string[] {
  const cron = parseCron(cronText);
  if (!cron.ok) throw new Error(cron.message);
  const runs: string[] = [];
  let next = firstOccurrenceAfter(cron.cron, timeZone, new Date(from));
  for (let now = new Date(from).getTime(); now < new Date(to).getTime() && next; now += 60_000) {
    const plan = planDueRuns({ cron: cron.cron, timeZone, first: next, jitter: 0, now: new Date(now), policy: "latest", lateAfterMs: 300_000, catchUpMax: 10 });
    expect(plan.missed).toEqual([]);
    for (const run of plan.run) runs.push(`${formatLocalTime(run.occurrence)} → ${run.dueAt.toISOString().slice(0, 16)}Z`);
    next = plan.next;
  }
  return runs;
}

describe("DST: a time in a spring-forward gap runs once, when the gap ends", () => {
  it("Europe/Berlin 2026-03-29, daily 02:30 (clocks go 02:00 → 03:00 CEST)", () => {
    expect(simulate("30 2 * * *", "Europe/Berlin", "2026-03-27T12:00:00Z", "2026-03-31T12:00:00Z")).toEqual([
      "2026-03-28T02:30 → 2026-03-28T01:30Z", // CET, +01:00
      "2026-03-29T02:30 → 2026-03-29T01:00Z", // does not exist: 03:00 CEST, the first valid instant after it
      "2026-03-30T02:30 → 2026-03-30T00:30Z", // CEST, +02:00
      "2026-03-31T02:30 → 2026-03-31T00:30Z",
    ]);
  });

  it("America/New_York 2026-03-08, daily 02:30 (clocks go 02:00 → 03:00 EDT)", () => {
    expect(simulate("30 2 * * *", "America/New_York", "2026-03-07T00:00:00Z", "2026-03-09T12:00:00Z")).toEqual([
      "2026-03-07T02:30 → 2026-03-07T07:30Z",
      "2026-03-08T02:30 → 2026-03-08T07:00Z", // 03:00 EDT
      "2026-03-09T02:30 → 2026-03-09T06:30Z",
    ]);
  });

  it("Europe/Berlin 2026-03-29, hourly: 02:00 runs at 03:00 CEST, beside 03:00's own run", () => {
    expect(simulate("0 * * * *", "Europe/Berlin", "2026-03-28T23:30:00Z", "2026-03-29T02:30:00Z")).toEqual([
      "2026-03-29T01:00 → 2026-03-29T00:00Z",
      "2026-03-29T02:00 → 2026-03-29T01:00Z",
      "2026-03-29T03:00 → 2026-03-29T01:00Z",
      "2026-03-29T04:00 → 2026-03-29T02:00Z",
    ]);
  });
});

describe("DST: a time in a fall-back overlap runs once, at its first instance", () => {
  it("Europe/Berlin 2026-10-25, daily 02:30 (02:00–03:00 happens twice)", () => {
    expect(simulate("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z")).toEqual([
      "2026-10-25T02:30 → 2026-10-25T00:30Z", // the CEST one; 02:30 CET (01:30Z) does not run again
      "2026-10-26T02:30 → 2026-10-26T01:30Z",
    ]);
  });

  it("Europe/Berlin 2026-10-25, hourly: the repeated hour runs once", () => {
    expect(simulate("0 * * * *", "Europe/Berlin", "2026-10-24T22:30:00Z", "2026-10-25T03:30:00Z")).toEqual([
      "2026-10-25T01:00 → 2026-10-24T23:00Z",
      "2026-10-25T02:00 → 2026-10-25T00:00Z",
      "2026-10-25T03:00 → 2026-10-25T02:00Z",
      "2026-10-25T04:00 → 2026-10-25T03:00Z",
    ]);
  });

  it("America/New_York 2026-11-01, hourly and daily 02:30 (01:00–02:00 happens twice)", () => {
    expect(simulate("0 * * * *", "America/New_York", "2026-11-01T04:30:00Z", "2026-11-01T08:30:00Z")).toEqual([
      "2026-11-01T01:00 → 2026-11-01T05:00Z", // EDT; 01:00 EST (06:00Z) does not run again
      "2026-11-01T02:00 → 2026-11-01T07:00Z",
      "2026-11-01T03:00 → 2026-11-01T08:00Z",
    ]);
    expect(simulate("30 2 * * *", "America/New_York", "2026-10-31T12:00:00Z", "2026-11-02T12:00:00Z")).toEqual([
      "2026-11-01T02:30 → 2026-11-01T07:30Z",
      "2026-11-02T02:30 → 2026-11-02T07:30Z",
    ]);
  });

  it("a schedule made during the repeated hour starts after it, not with an occurrence whose first instance has passed", () => {
    const cron = parseCron("*/15 * * * *");
    if (!cron.ok) throw new Error(cron.message);
    // 01:10Z on 2026-10-25 is 02:10 CET, the second pass through 02:00–03:00 Berlin time.
    const first = firstOccurrenceAfter(cron.cron, "Europe/Berlin", new Date("2026-10-25T01:10:00Z"))!;
    expect(formatLocalTime(first)).toBe("2026-10-25T03:00");
    expect(instantOf(first, "Europe/Berlin").toISOString()).toBe("2026-10-25T02:00:00.000Z");
  });
});

describe("why croner is asked in UTC and Temporal maps to the zone", () => {
  it("croner's own zone handling runs an interval schedule's repeated hour twice, which the occurrence key would then refuse", () => {
    // Kept as evidence for the design above: croner alone, in Europe/Berlin, fires 02:00 CEST and 02:00 CET.
    const hourly = new Cron("0 * * * *", { timezone: "Europe/Berlin" });
    const fired = hourly.nextRuns(4, new Date("2026-10-24T23:30:00Z")).map((d) => d.toISOString().slice(0, 16));
    expect(fired).toEqual(["2026-10-25T00:00", "2026-10-25T01:00", "2026-10-25T02:00", "2026-10-25T03:00"]);
  });
});

describe("cron and time zones", () => {
  it("takes five fields, and refuses seconds, nonsense and dates that never come", () => {
    expect(parseCron("* * * * *").ok).toBe(true);
    expect(parseCron("0 8 L * *").ok).toBe(true);
    expect(parseCron("* * * * * *")).toEqual({ ok: false, message: expect.stringMatching(/five fields.*this has 6/) });
    expect(parseCron("0 25 * * *")).toEqual({ ok: false, message: expect.stringMatching(/^Not a valid cron expression/) });
    expect(parseCron("0 0 30 2 *")).toEqual({ ok: false, message: expect.stringMatching(/never matches/) });
  });

  it("monthly on the last day, in the schedule's zone", () => {
    const cron = parseCron("0 8 L * *");
    if (!cron.ok) throw new Error(cron.message);
    const next = upcoming(cron.cron, "Asia/Tokyo", new Date("2026-01-15T00:00:00Z"), 3);
    expect(next.map((u) => `${formatLocalTime(u.occurrence)} ${u.at.toISOString()}`)).toEqual([
      "2026-01-31T08:00 2026-01-30T23:00:00.000Z",
      "2026-02-28T08:00 2026-02-27T23:00:00.000Z",
      "2026-03-31T08:00 2026-03-30T23:00:00.000Z",
    ]);
  });

  it("an occurrence exactly at `after` is not returned again", () => {
    const cron = parseCron("0 8 * * *");
    if (!cron.ok) throw new Error(cron.message);
    expect(formatLocalTime(cron.cron.nextRun(local("2026-05-01T08:00:00"))!)).toBe("2026-05-02T08:00");
  });

  it("knows IANA zones, in any case, and nothing else", () => {
    expect(canonicalTimeZone("europe/berlin")).toBe("Europe/Berlin");
    expect(canonicalTimeZone("UTC")).toBe("UTC");
    expect(canonicalTimeZone("Mars/Olympus_Mons")).toBeNull();
    expect(canonicalTimeZone("../../etc/passwd")).toBeNull();
    expect(canonicalTimeZone("")).toBeNull();
  });
});
