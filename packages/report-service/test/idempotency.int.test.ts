// Idempotent requests on a real database and Redis: one key, one report —
// however many times and however concurrently it is sent.
import { randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@backline/db";
import { QUEUES, createProducerQueue, createRedis } from "@backline/queue";
import { createScratchDatabase, uniqueQueuePrefix, type ScratchDatabase } from "@backline/test-kit";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportCommands, requestHash, type ReportCommands } from "../src/index.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = uniqueQueuePrefix("idem");
let scratch: ScratchDatabase;
let db: PrismaClient;
let queue: Queue;
let redis: Redis;
let commands: ReportCommands;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPrismaClient(scratch.url);
  queue = createProducerQueue(QUEUES.reports, { redisUrl: REDIS_URL, prefix });
  redis = createRedis(REDIS_URL, "producer");
  commands = reportCommands({ db, queue, redis, prefix });
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await db.$disconnect();
  await scratch.drop();
});

const body = (email = "ana@example.com") => ({ type: "sales-summary", email, params: { groupBy: "week" } });

describe("Idempotency-Key", () => {
  it("answers a replay with the same report, and makes one row and one job", async () => {
    const key = randomUUID();
    const first = await commands.request(body(), { idempotencyKey: key });
    const again = await commands.request(body(), { idempotencyKey: key });
    expect(first).toMatchObject({ ok: true });
    expect(again).toMatchObject({ ok: true, replayed: true });
    if (!first.ok || !again.ok) throw new Error("unreachable");
    expect(again.report.id).toBe(first.report.id);
    expect(await db.report.count({ where: { idempotencyKey: key } })).toBe(1);
    expect((await queue.getJobs(["prioritized", "waiting"])).filter((j) => j.id === first.report.id)).toHaveLength(1);
  });

  it("treats the same JSON with keys in another order as the same request", async () => {
    const key = randomUUID();
    const a = await commands.request({ email: "b@example.com", params: { groupBy: "week" }, type: "sales-summary" }, { idempotencyKey: key });
    const b = await commands.request({ type: "sales-summary", params: { groupBy: "week" }, email: "b@example.com" }, { idempotencyKey: key });
    expect(a.ok && b.ok && a.report.id === b.report.id).toBe(true);
    expect(requestHash({ x: 1, y: [1, { b: 2, a: 1 }] })).toBe(requestHash({ y: [1, { a: 1, b: 2 }], x: 1 }));
  });

  it("refuses the same key with a different body (422) and writes nothing", async () => {
    const key = randomUUID();
    await commands.request(body(), { idempotencyKey: key });
    const other = await commands.request(body("someone-else@example.com"), { idempotencyKey: key });
    expect(other).toMatchObject({ ok: false, status: 422 });
    expect(await db.report.count({ where: { ownerEmail: "someone-else@example.com" } })).toBe(0);
  });

  it("never creates two rows for concurrent duplicates", async () => {
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 40 }, () => commands.request(body("burst@example.com"), { idempotencyKey: key })));
    const ids = new Set(results.map((r) => (r.ok ? r.report.id : `error ${r.status}`)));
    expect([...ids]).toHaveLength(1);
    expect([...ids][0]).not.toMatch(/^error/);
    expect(await db.report.count({ where: { idempotencyKey: key } })).toBe(1);
  });

  it("rejects a malformed key, naming the header", async () => {
    expect(await commands.request(body(), { idempotencyKey: "has space" })).toMatchObject({ ok: false, status: 400, issues: [{ path: "Idempotency-Key" }] });
    expect(await commands.request(body(), { idempotencyKey: "x".repeat(256) })).toMatchObject({ ok: false, status: 400 });
  });
});

describe("Redis down", () => {
  it("still accepts the request: the row is kept Queued with a note, for the reconciler", async () => {
    const deadQueue = createProducerQueue(QUEUES.reports, { redisUrl: "redis://127.0.0.1:1", prefix });
    const deadRedis = createRedis("redis://127.0.0.1:1", "producer").on("error", () => {});
    const offline = reportCommands({ db, queue: deadQueue, redis: deadRedis, prefix });
    const started = Date.now();
    const result = await offline.request(body("offline@example.com"));
    expect(Date.now() - started).toBeLessThan(5000); // fails fast, never hangs
    expect(result).toMatchObject({ ok: true, report: { status: "queued" } });
    if (!result.ok) throw new Error("unreachable");
    const events = await db.reportEvent.findMany({ where: { reportId: result.report.id }, orderBy: { id: "asc" } });
    expect(events.at(-1)!.message).toMatch(/Waiting for the job queue/);
    await deadQueue.close().catch(() => {});
    deadRedis.disconnect();
  });
});
