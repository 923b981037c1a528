// Scheduled reports end to end, with the scheduler's clock injected: each
// occurrence is one report and one email (X-Schedule-Id, one-click
// List-Unsubscribe); an empty run is Skipped and sends nothing; Redis flushed
// after a run was made still delivers it once (the reconciler); pause, resume
// and delete take effect before the next occurrence.
import { ensureUser } from "@backline/db";
import { runSchedulerTick, scheduleService, type ScheduleService, type SchedulerSettings } from "@backline/schedules";
import { TEST_SECRETS, deleteQueueKeys, waitUntil } from "@backline/test-kit";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startReconciler } from "../src/reconciler.ts";
import { REDIS_URL, createHarness, type Harness } from "./harness.ts";

let h: Harness;
let schedules: ScheduleService;
let clock = new Date("2026-05-04T07:59:30Z");
const settings: SchedulerSettings = { jitterWindowMs: 0, lateAfterMs: 300_000, catchUpMax: 10, pauseAfterFailures: 3 };
const owner = { userId: "", email: "digest@example.com", admin: false };

beforeAll(async () => {
  h = await createHarness({ customers: 50, orders: 5000 });
  owner.userId = (await ensureUser(h.db, owner.email)).id;
  schedules = scheduleService({ db: h.db, maxPerUser: 25, jitterWindowMs: 0, linkKeys: { secret: TEST_SECRETS.DOWNLOAD_LINK_SECRET }, now: () => clock });
});
afterAll(() => h?.close());
// Each test's workers go with it: they read the whole database (see endTest).
afterEach(() => h?.endTest());

async function create(body: object) {
  clock = new Date("2026-05-04T07:59:30Z");
  const result = await schedules.create({ type: "sales-summary", timeZone: "Europe/Berlin", cron: "* * * * *", ...body }, owner);
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result.schedule;
}
const reportsOf = (scheduleId: string) => h.db.report.findMany({ where: { scheduleId }, orderBy: { occurrence: "asc" } });
const emailsOf = (scheduleId: string) => h.smtp.messages.filter((m) => m.headers.get("x-schedule-id") === scheduleId);

describe("a schedule", () => {
  it("every minute for three minutes: three runs, three emails, each with X-Schedule-Id and a one-click unsubscribe", async () => {
    const { prefix, queue } = h.stack("schedule-3");
    await h.startWorker(prefix);
    const s = await create({ params: { groupBy: "day" }, relative: { range: "previous-day" } });
    for (const at of ["2026-05-04T08:00:01Z", "2026-05-04T08:01:01Z", "2026-05-04T08:02:01Z"]) await runSchedulerTick(h.db, queue, settings, new Date(at));
    await waitUntil(async () => (await reportsOf(s.id)).every((r) => r.status === "sent") && emailsOf(s.id).length >= 3, { what: "three sent runs" });

    const reports = await reportsOf(s.id);
    // Berlin is UTC+2 in May: 08:00Z is 10:00 there.
    expect(reports.map((r) => r.occurrence?.toISOString().slice(11, 16))).toEqual(["10:00", "10:01", "10:02"]);
    expect(reports.map((r) => r.params)).toEqual(Array(3).fill({ from: "2026-05-03", to: "2026-05-03", groupBy: "day" }));
    const emails = emailsOf(s.id);
    expect(emails).toHaveLength(3);
    // As sent (mailparser folds List-* headers into one object): the raw header lines.
    const header = (m: (typeof emails)[number], name: string) => m.headerLines.find((l) => l.key === name)?.line ?? "";
    for (const email of emails) {
      expect(header(email, "list-unsubscribe-post")).toBe("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
      expect(header(email, "list-unsubscribe")).toContain(`/schedules/${s.id}/unsubscribe?sig=`);
      expect(String(email.headers.get("x-report-id"))).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(new Set(emails.map((e) => e.headers.get("x-report-id")))).toEqual(new Set(reports.map((r) => r.id)));
    expect((await schedules.get(s.id, owner))?.runs.map((r) => r.status)).toEqual(["sent", "sent", "sent"]);
  });

  it("skip-if-empty: a run with no data ends Skipped, and nothing is sent", async () => {
    const { prefix, queue } = h.stack("schedule-empty");
    await h.startWorker(prefix);
    const s = await create({ params: { from: "2001-01-01", to: "2001-01-31" }, skipIfEmpty: true });
    await runSchedulerTick(h.db, queue, settings, new Date("2026-05-04T08:00:01Z"));
    await waitUntil(async () => (await reportsOf(s.id))[0]?.status === "skipped", { what: "the run to be skipped" });
    const [report] = await reportsOf(s.id);
    expect(report).toMatchObject({ status: "skipped", stage: "Skipped — no data", filePath: null });
    expect(h.emailsFor(report!.id)).toBe(0);
    expect((await schedules.get(s.id, owner))?.runs.map((r) => r.status)).toEqual(["skipped"]);
  });

  it("a run made just before Redis lost everything is still delivered, once", async () => {
    const { prefix, queue, signInQueue, redis } = h.stack("schedule-flush");
    const s = await create({});
    await runSchedulerTick(h.db, queue, settings, new Date("2026-05-04T08:00:01Z"));
    const [report] = await reportsOf(s.id);
    expect(await queue.getJob(report!.id)).toBeDefined();
    await deleteQueueKeys(REDIS_URL, prefix); // the FLUSHALL of this stack's keys
    expect(await queue.getJob(report!.id)).toBeUndefined();

    await h.startWorker(prefix);
    const reconciler = startReconciler({
      db: h.db,
      prefix,
      databaseUrl: h.scratch.url,
      queue,
      signInQueue,
      redis,
      log: pino({ level: "silent" }),
      intervalMs: 200,
      graceMs: 0,
      workerId: "test",
    });
    h.onClose(() => reconciler.stop());
    await waitUntil(async () => (await h.db.report.findUniqueOrThrow({ where: { id: report!.id } })).status === "sent", { what: "the run to be sent" });
    // The scheduler going over the same minute again makes nothing new.
    await runSchedulerTick(h.db, queue, settings, new Date("2026-05-04T08:00:30Z"));
    expect(await reportsOf(s.id)).toHaveLength(1);
    expect(h.emailsFor(report!.id)).toBe(1);
  });

  it("pause, resume and delete take effect before the next occurrence", async () => {
    const { queue } = h.stack("schedule-pause");
    const s = await create({});
    await runSchedulerTick(h.db, queue, settings, new Date("2026-05-04T08:00:01Z"));
    clock = new Date("2026-05-04T08:00:30Z");
    const paused = await schedules.update(s.id, { paused: true }, owner);
    expect(paused, JSON.stringify(paused)).toMatchObject({ ok: true });
    await runSchedulerTick(h.db, queue, settings, new Date("2026-05-04T08:01:01Z"));
    expect(await reportsOf(s.id)).toHaveLength(1);

    clock = new Date("2026-05-04T08:01:30Z");
    const resumed = await schedules.update(s.id, { paused: false }, owner);
    expect(resumed, JSON.stringify(resumed)).toMatchObject({ ok: true });
    await runSchedulerTick(h.db, queue, settings, new Date("2026-05-04T08:02:01Z"));
    // Resumed from now: 08:02 runs; the paused 08:01 is neither run nor missed.
    expect((await reportsOf(s.id)).map((r) => r.occurrence?.toISOString().slice(11, 16))).toEqual(["10:00", "10:02"]);
    expect((await schedules.get(s.id, owner))?.runs.map((r) => r.status)).not.toContain("missed");

    expect(await schedules.remove(s.id, owner)).toBe(true);
    await runSchedulerTick(h.db, queue, settings, new Date("2026-05-04T08:03:01Z"));
    // Its reports stay, no longer tied to it (the other tests' schedules run on beside it).
    const orphaned = await h.db.report.findMany({ where: { scheduleId: null, occurrence: { not: null } }, orderBy: { occurrence: "asc" } });
    expect(orphaned.map((r) => r.occurrence?.toISOString().slice(11, 16))).toEqual(["10:00", "10:02"]);
  });
});
