// The scheduler tick on a real database and Redis, with an injected clock:
// one run per occurrence however many ticks race, a tick that dies mid-way
// (its connection gone, as with kill -9) is redone by the next, missed runs by
// policy, and schedules that must stop pause themselves with a reason.
import { randomUUID } from "node:crypto";
import { createPrismaClient, ensureUser, type PrismaClient } from "@backline/db";
import { QUEUES, createProducerQueue } from "@backline/queue";
import { TEST_SECRETS, createScratchDatabase, deleteQueueKeys, uniqueQueuePrefix, type ScratchDatabase } from "@backline/test-kit";
import type { Queue } from "bullmq";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runSchedulerTick, scheduleService, type ScheduleService, type SchedulerSettings } from "../src/index.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const settings: SchedulerSettings = { jitterWindowMs: 0, lateAfterMs: 300_000, catchUpMax: 10, pauseAfterFailures: 3 };

let scratch: ScratchDatabase;
let db: PrismaClient;
let queue: Queue;
let prefix: string;
let clock = new Date("2026-05-04T07:59:30Z");
let schedules: ScheduleService;
const ana = { userId: "", email: "ana@example.com", admin: false };

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPrismaClient(scratch.url);
  prefix = uniqueQueuePrefix("scheduler");
  queue = createProducerQueue(QUEUES.reports, { redisUrl: REDIS_URL, prefix, attempts: 3 });
  ana.userId = (await ensureUser(db, ana.email)).id;
  schedules = scheduleService({
    db,
    maxPerUser: 5,
    jitterWindowMs: 0,
    linkKeys: { secret: TEST_SECRETS.DOWNLOAD_LINK_SECRET },
    now: () => clock,
  });
});
afterAll(async () => {
  await queue?.close();
  await deleteQueueKeys(REDIS_URL, prefix);
  await db?.$disconnect();
  await scratch?.drop();
});
beforeEach(async () => {
  await db.schedule.deleteMany({});
  await db.report.deleteMany({});
  await db.user.updateMany({ data: { removedAt: null } });
});

const tick = (at: string) => runSchedulerTick(db, queue, settings, new Date(at));
const create = async (body: object) => {
  const result = await schedules.create({ type: "sales-summary", params: {}, timeZone: "UTC", ...body }, ana);
  if (!result.ok) throw new Error(`create: ${JSON.stringify(result)}`);
  return result.schedule;
};
const runsOf = async (scheduleId: string) =>
  (await db.scheduleRun.findMany({ where: { scheduleId }, orderBy: { occurrence: "asc" } })).map((r) => ({
    occurrence: r.occurrence.toISOString().slice(0, 16),
    missed: r.missed,
    report: r.reportId !== null,
  }));

describe("scheduler tick", () => {
  it("an every-minute schedule across three minutes makes three runs, each with a queued report and its job", async () => {
    clock = new Date("2026-05-04T07:59:30Z");
    const s = await create({ cron: "* * * * *" });
    expect(s.nextRunAt).toBe("2026-05-04T08:00:00.000Z");
    expect((await tick("2026-05-04T07:59:59Z")).runs).toBe(0);
    for (const at of ["2026-05-04T08:00:01Z", "2026-05-04T08:01:01Z", "2026-05-04T08:02:01Z"]) expect((await tick(at)).runs).toBe(1);
    expect((await tick("2026-05-04T08:02:30Z")).runs).toBe(0);
    expect(await runsOf(s.id)).toEqual(["08:00", "08:01", "08:02"].map((t) => ({ occurrence: `2026-05-04T${t}`, missed: false, report: true })));
    const reports = await db.report.findMany({ where: { scheduleId: s.id }, orderBy: { occurrence: "asc" } });
    expect(reports.map((r) => [r.status, r.occurrence?.toISOString().slice(11, 16), r.ownerEmail])).toEqual([
      ["queued", "08:00", ana.email],
      ["queued", "08:01", ana.email],
      ["queued", "08:02", ana.email],
    ]);
    for (const r of reports) expect((await queue.getJob(r.id))?.data).toEqual({ reportId: r.id });
  });

  it("ticks racing each other (four at once, three times over) make each occurrence once", async () => {
    clock = new Date("2026-05-04T07:59:30Z");
    const made = await Promise.all(
      Array.from({ length: 20 }, (_, i) => create({ cron: "* * * * *", params: { groupBy: i % 2 ? "day" : "week" } }).catch(() => null)),
    );
    // The per-user cap (5) holds under the burst too.
    const created = made.filter((s) => s !== null);
    expect(created).toHaveLength(5);
    for (const at of ["2026-05-04T08:00:02Z", "2026-05-04T08:01:02Z", "2026-05-04T08:02:02Z"]) {
      const results = await Promise.all(Array.from({ length: 4 }, () => tick(at)));
      expect(results.reduce((n, r) => n + r.runs, 0)).toBe(5);
    }
    expect(await db.scheduleRun.count()).toBe(15);
    expect(await db.report.count()).toBe(15);
  });

  it("a tick whose connection dies while it holds a schedule changes nothing; the next tick makes the run once", async () => {
    clock = new Date("2026-05-04T07:59:30Z");
    const s = await create({ cron: "0 8 * * *" });
    // Another worker mid-tick: it holds the schedule's row lock, as the tick's claim does.
    const other = new pg.Client({ connectionString: scratch.url });
    await other.connect();
    other.on("error", () => {});
    await other.query("begin");
    await other.query("select id from schedules where id = $1 for update", [s.id]);
    const [{ pid }] = (await other.query<{ pid: number }>("select pg_backend_pid() as pid")).rows as [{ pid: number }];
    expect((await tick("2026-05-04T08:00:05Z")).runs).toBe(0); // skipped, not waited for
    // kill -9 of that worker: Postgres ends its session and rolls its transaction back.
    await db.$executeRawUnsafe(`select pg_terminate_backend(${pid})`);
    await other.end().catch(() => {});
    expect((await tick("2026-05-04T08:00:06Z")).runs).toBe(1);
    expect((await tick("2026-05-04T08:00:07Z")).runs).toBe(0);
    expect(await runsOf(s.id)).toEqual([{ occurrence: "2026-05-04T08:00", missed: false, report: true }]);
  });

  it("after downtime: latest runs the most recent occurrence and records the rest missed; skip records them all", async () => {
    clock = new Date("2026-05-04T00:30:00Z");
    const latest = await create({ cron: "0 * * * *", missed: "latest" });
    const skip = await create({ cron: "0 * * * *", missed: "skip" });
    await tick("2026-05-04T05:40:00Z");
    expect(await runsOf(latest.id)).toEqual([
      ...["01:00", "02:00", "03:00", "04:00"].map((t) => ({ occurrence: `2026-05-04T${t}`, missed: true, report: false })),
      { occurrence: "2026-05-04T05:00", missed: false, report: true },
    ]);
    expect((await runsOf(skip.id)).every((r) => r.missed && !r.report)).toBe(true);
    const view = await schedules.get(latest.id, ana);
    expect(view?.runs.map((r) => r.status)).toEqual(["queued", "missed", "missed", "missed", "missed"]);
    expect(view?.nextRunAt).toBe("2026-05-04T06:00:00.000Z");
  });

  it("relative dates resolve on the occurrence's date in the schedule's zone", async () => {
    // Monday 00:30 in Tokyo is still Sunday in UTC.
    clock = new Date("2026-05-03T15:00:00Z");
    const s = await create({ cron: "30 0 * * 1", timeZone: "Asia/Tokyo", relative: { range: "previous-week" } });
    await tick("2026-05-03T15:30:01Z");
    const report = await db.report.findFirstOrThrow({ where: { scheduleId: s.id } });
    expect(report.occurrence?.toISOString()).toBe("2026-05-04T00:30:00.000Z"); // nominal: Monday 00:30 local
    expect(report.params).toMatchObject({ from: "2026-04-27", to: "2026-05-03" });
  });

  it("pauses itself, with a reason, when its owner is removed or its last runs all failed", async () => {
    clock = new Date("2026-05-04T07:59:30Z");
    const s = await create({ cron: "* * * * *" });
    for (const at of ["2026-05-04T08:00:01Z", "2026-05-04T08:01:01Z", "2026-05-04T08:02:01Z"]) await tick(at);
    await db.report.updateMany({ where: { scheduleId: s.id }, data: { status: "failed", failureReason: "The mail server refused the address" } });
    const result = await tick("2026-05-04T08:03:01Z");
    expect(result.runs).toBe(0);
    expect(result.paused).toEqual([{ scheduleId: s.id, reason: "Paused after 3 failed runs in a row (the last: The mail server refused the address)." }]);
    expect(await schedules.get(s.id, ana)).toMatchObject({ paused: true, pausedReason: expect.stringMatching(/^Paused after 3 failed runs/), nextRunAt: null });
    // Resumed: it goes on from now (the paused minutes are not missed runs) and the reason is gone.
    clock = new Date("2026-05-04T08:10:30Z");
    expect(await schedules.update(s.id, { paused: false }, ana)).toMatchObject({
      ok: true,
      schedule: { paused: false, pausedReason: null, nextRunAt: "2026-05-04T08:11:00.000Z" },
    });

    const t = await create({ cron: "* * * * *" });
    await db.user.update({ where: { id: ana.userId }, data: { removedAt: new Date() } });
    const removed = await tick("2026-05-04T08:11:05Z");
    expect(removed.paused).toContainEqual({ scheduleId: t.id, reason: "Its owner's account was removed." });
    expect(await db.scheduleRun.count({ where: { occurrence: new Date("2026-05-04T08:11:00Z") } })).toBe(0);
  });

  it("an idle tick with 10,000 schedules reads through the index, not the table", async () => {
    const owner = await ensureUser(db, "bulk@example.com");
    await db.$executeRaw`
      insert into schedules (id, user_id, type, params, cron, time_zone, next_occurrence, next_run_at, updated_at)
      select gen_random_uuid(), ${owner.id}::uuid, 'sales-summary', '{}', '0 8 * * *', 'UTC', '2026-06-01 08:00', timestamptz '2026-06-01 08:00Z' + (g % 1000) * interval '1 minute', now()
      from generate_series(1, 10000) g`;
    await db.$executeRaw`analyze schedules`;
    const plan = await db.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(
      `explain select s.id from schedules s join users u on u.id = s.user_id
       where s.paused = false and s.next_run_at <= '2026-05-04T08:00:00Z' order by s.next_run_at limit 50 for update of s skip locked`,
    );
    const text = plan.map((r) => r["QUERY PLAN"]).join("\n");
    expect(text).toMatch(/Index Scan using schedules_paused_next_run_at_idx/);
    expect(text).not.toMatch(/Seq Scan on schedules/);
    expect((await tick("2026-05-04T08:00:00Z")).schedules).toBe(0);
    await db.schedule.deleteMany({ where: { userId: owner.id } });
  });
});

describe("schedule input", () => {
  it("names every bad field: cron, zone, type, params, relative range; more often than a minute is refused", async () => {
    const bad = async (body: object) => {
      const r = await schedules.create({ type: "sales-summary", cron: "0 8 * * 1", timeZone: "UTC", ...body }, ana);
      return r.ok ? [] : (r.issues ?? []).map((i) => i.path);
    };
    expect(await bad({ cron: "*/30 * * * * *" })).toEqual(["cron"]);
    expect(await bad({ cron: "0 8 * *" })).toEqual(["cron"]);
    expect(await bad({ timeZone: "Europe/Atlantis" })).toEqual(["timeZone"]);
    expect(await bad({ type: "nope" })).toEqual(["type"]);
    expect(await bad({ params: { region: "XX" } })).toEqual(["params.region"]);
    expect(await bad({ type: "customer-statement", relative: { range: "previous-week" } })).toEqual(["relative.range"]);
    expect(await bad({ relative: { range: "last-n-days" } })).toEqual(["relative.days"]);
    expect(await bad({ colour: "red" })).toEqual(["colour"]);
    expect(await bad({ missed: "sometimes" })).toEqual(["missed"]);
  });

  it("someone else's schedule is not found for anything", async () => {
    clock = new Date("2026-05-04T07:59:30Z");
    const s = await create({ cron: "0 8 * * *" });
    const ben = { userId: randomUUID(), email: "ben@example.com", admin: false };
    expect(await schedules.get(s.id, ben)).toBeNull();
    expect(await schedules.update(s.id, { paused: true }, ben)).toMatchObject({ ok: false, status: 404 });
    expect(await schedules.remove(s.id, ben)).toBe(false);
    expect(await schedules.list(ben)).toEqual([]);
    expect(await schedules.get(s.id, { ...ben, admin: true })).not.toBeNull();
    expect(await schedules.get("not-a-uuid", ana)).toBeNull();
  });
});
