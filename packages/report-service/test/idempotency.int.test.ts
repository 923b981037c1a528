// Requests on a real database and Redis: one key, one report — however many
// times and however concurrently it is sent — keys scoped to their user, and
// the per-user cap on reports in flight holding under a concurrent burst.
import { randomUUID } from "node:crypto";
import { createPrismaClient, ensureUser, type PrismaClient } from "@backline/db";
import { QUEUES, createProducerQueue, createRedis } from "@backline/queue";
import { createScratchDatabase, uniqueQueuePrefix, type ScratchDatabase } from "@backline/test-kit";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportCommands, requestHash, type Actor, type ReportCommands } from "../src/index.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = uniqueQueuePrefix("idem");
let scratch: ScratchDatabase;
let db: PrismaClient;
let queue: Queue;
let redis: Redis;
let commands: ReportCommands;
let ana: Actor;
let ben: Actor;
const actor = async (email: string): Promise<Actor> => {
  const user = await ensureUser(db, email);
  return { userId: user.id, email: user.email, admin: false };
};

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPrismaClient(scratch.url);
  queue = createProducerQueue(QUEUES.reports, { redisUrl: REDIS_URL, prefix });
  redis = createRedis(REDIS_URL, "producer");
  commands = reportCommands({ db, queue, redis, prefix });
  ana = await actor("ana@example.com");
  ben = await actor("ben@example.com");
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await db.$disconnect();
  await scratch.drop();
});

const body = (groupBy = "week") => ({ type: "sales-summary", params: { groupBy } });

describe("Idempotency-Key", () => {
  it("answers a replay with the same report, and makes one row and one job", async () => {
    const key = randomUUID();
    const first = await commands.request(body(), ana, { idempotencyKey: key });
    const again = await commands.request(body(), ana, { idempotencyKey: key });
    expect(first).toMatchObject({ ok: true });
    expect(again).toMatchObject({ ok: true, replayed: true });
    if (!first.ok || !again.ok) throw new Error("unreachable");
    expect(again.report.id).toBe(first.report.id);
    expect(await db.report.count({ where: { idempotencyKey: key } })).toBe(1);
    expect((await queue.getJobs(["prioritized", "waiting"])).filter((j) => j.id === first.report.id)).toHaveLength(1);
  });

  it("treats the same JSON with keys in another order as the same request", async () => {
    const key = randomUUID();
    const a = await commands.request({ params: { region: "EU", groupBy: "week" }, type: "sales-summary" }, ana, { idempotencyKey: key });
    const b = await commands.request({ type: "sales-summary", params: { groupBy: "week", region: "EU" } }, ana, { idempotencyKey: key });
    expect(a.ok && b.ok && a.report.id === b.report.id).toBe(true);
    expect(requestHash({ x: 1, y: [1, { b: 2, a: 1 }] })).toBe(requestHash({ y: [1, { a: 1, b: 2 }], x: 1 }));
  });

  it("refuses the same key with a different body (422) and writes nothing", async () => {
    const key = randomUUID();
    await commands.request(body(), ana, { idempotencyKey: key });
    const other = await commands.request(body("month"), ana, { idempotencyKey: key });
    expect(other).toMatchObject({ ok: false, status: 422 });
    expect(await db.report.count({ where: { idempotencyKey: key } })).toBe(1);
  });

  it("answers concurrent duplicates that take the last in-flight slot with the one report, not a 429", async () => {
    const key = randomUUID();
    const last = await actor("last-slot@example.com");
    expect(await commands.request(body(), last, { maxInFlight: 2 })).toMatchObject({ ok: true });
    const results = await Promise.all(Array.from({ length: 10 }, () => commands.request(body(), last, { idempotencyKey: key, maxInFlight: 2 })));
    expect(new Set(results.map((r) => (r.ok ? r.report.id : `error ${r.status}`))).size).toBe(1);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await db.report.count({ where: { userId: last.userId } })).toBe(2);
  });

  it("scopes keys to their user: the same key from someone else is their own new report, never the first user's", async () => {
    const key = randomUUID();
    const mine = await commands.request(body(), ana, { idempotencyKey: key });
    const theirs = await commands.request(body(), ben, { idempotencyKey: key });
    if (!mine.ok || !theirs.ok) throw new Error("both should be accepted");
    expect(theirs.replayed).toBeUndefined();
    expect(theirs.report.id).not.toBe(mine.report.id);
    expect((await db.report.findUniqueOrThrow({ where: { id: theirs.report.id } })).userId).toBe(ben.userId);
  });

  it("never creates two rows for concurrent duplicates", async () => {
    const key = randomUUID();
    const burst = await actor("burst@example.com");
    const results = await Promise.all(Array.from({ length: 40 }, () => commands.request(body(), burst, { idempotencyKey: key })));
    const ids = new Set(results.map((r) => (r.ok ? r.report.id : `error ${r.status}`)));
    expect([...ids]).toHaveLength(1);
    expect([...ids][0]).not.toMatch(/^error/);
    expect(await db.report.count({ where: { idempotencyKey: key } })).toBe(1);
  });

  it("rejects a malformed key, naming the header", async () => {
    expect(await commands.request(body(), ana, { idempotencyKey: "has space" })).toMatchObject({
      ok: false,
      status: 400,
      issues: [{ path: "Idempotency-Key" }],
    });
    expect(await commands.request(body(), ana, { idempotencyKey: "x".repeat(256) })).toMatchObject({ ok: false, status: 400 });
  });
});

describe("reports in flight per user", () => {
  it("holds the cap exactly under a concurrent burst, then frees a slot when one finishes", async () => {
    const carla = await actor("carla@example.com");
    const results = await Promise.all(Array.from({ length: 12 }, () => commands.request(body(), carla, { maxInFlight: 3 })));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(9);
    expect(refused[0]).toMatchObject({ status: 429, retryAfterSeconds: 30, error: expect.stringMatching(/3 reports in progress/) });
    expect(await db.report.count({ where: { userId: carla.userId } })).toBe(3);

    const first = results.find((r) => r.ok)!;
    if (!first.ok) throw new Error("unreachable");
    expect(await commands.cancel(first.report.id, carla)).toMatchObject({ ok: true });
    expect(await commands.request(body(), carla, { maxInFlight: 3 })).toMatchObject({ ok: true });
    // Someone else is not held back by carla's cap.
    expect(await commands.request(body(), ben, { maxInFlight: 3 })).toMatchObject({ ok: true });
  });

  it("counts a retry against the same cap, exactly under a concurrent burst of retries", async () => {
    const dora = await actor("dora@example.com");
    const made = await Promise.all(Array.from({ length: 4 }, () => commands.request(body(), dora)));
    const ids = made.map((r) => (r.ok ? r.report.id : ""));
    for (const id of ids) expect(await commands.cancel(id, dora)).toMatchObject({ ok: true });
    // Two back in flight, so one slot is left under a cap of 3, and four retries race for it.
    expect(await commands.retry(ids[0]!, dora, { maxInFlight: 3 })).toMatchObject({ ok: true });
    expect(await commands.retry(ids[1]!, dora, { maxInFlight: 3 })).toMatchObject({ ok: true });
    const others = await Promise.all([ids[2]!, ids[3]!].map((id) => commands.retry(id, dora, { maxInFlight: 3 })));
    expect(others.filter((r) => r.ok)).toHaveLength(1);
    expect(others.find((r) => !r.ok)).toEqual({
      ok: false,
      status: 429,
      error: "You already have 3 reports in progress; wait for one to finish",
      retryAfterSeconds: 30,
    });
    const statuses = await db.report.groupBy({ by: ["status"], where: { userId: dora.userId }, _count: true });
    expect(Object.fromEntries(statuses.map((s) => [s.status, s._count]))).toEqual({ queued: 3, cancelled: 1 });
  });
});

describe("ownership", () => {
  it("answers another user's cancel and retry exactly like a missing report, and changes nothing", async () => {
    const mine = await commands.request(body(), ana);
    if (!mine.ok) throw new Error("unreachable");
    expect(await commands.cancel(mine.report.id, ben)).toEqual({ ok: false, status: 404, error: "Report not found" });
    expect(await commands.cancel(randomUUID(), ben)).toEqual({ ok: false, status: 404, error: "Report not found" });
    expect(await commands.retry(mine.report.id, ben)).toEqual({ ok: false, status: 404, error: "Report not found" });
    expect((await db.report.findUniqueOrThrow({ where: { id: mine.report.id } })).status).toBe("queued");
    // An admin may act on anyone's report.
    expect(await commands.cancel(mine.report.id, { ...ben, admin: true })).toMatchObject({ ok: true, report: { status: "cancelled" } });
  });
});

describe("Redis down", () => {
  it("still accepts the request: the row is kept Queued with a note, for the reconciler", async () => {
    const deadQueue = createProducerQueue(QUEUES.reports, { redisUrl: "redis://127.0.0.1:1", prefix });
    const deadRedis = createRedis("redis://127.0.0.1:1", "producer").on("error", () => {});
    const offline = reportCommands({ db, queue: deadQueue, redis: deadRedis, prefix });
    const started = Date.now();
    const result = await offline.request(body(), ana);
    expect(Date.now() - started).toBeLessThan(5000); // fails fast, never hangs
    expect(result).toMatchObject({ ok: true, report: { status: "queued" } });
    if (!result.ok) throw new Error("unreachable");
    const events = await db.reportEvent.findMany({ where: { reportId: result.report.id }, orderBy: { id: "asc" } });
    expect(events.at(-1)!.message).toMatch(/Waiting for the job queue/);
    await deadQueue.close().catch(() => {});
    deadRedis.disconnect();
  });
});
