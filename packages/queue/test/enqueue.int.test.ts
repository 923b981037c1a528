// The typed enqueue helper against a real Redis, in a queue prefix of its own.
import { randomUUID } from "node:crypto";
import { uniqueQueuePrefix } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Queue } from "bullmq";
import { ENQUEUE_TIMEOUT_MS, InvalidJobPayloadError, PRIORITY, QUEUES, checkRedis, createProducerQueue, enqueue } from "../src/index.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = uniqueQueuePrefix("queue-test");
let queue: Queue;

beforeAll(() => {
  queue = createProducerQueue(QUEUES.reports, { redisUrl: REDIS_URL, prefix });
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
});

describe("enqueue", () => {
  it("adds a validated job whose id is the report id, at interactive priority, with retries", async () => {
    const reportId = randomUUID();
    const job = await enqueue(queue, "generate-report", { reportId }, { jobId: reportId });
    const stored = await queue.getJob(reportId);
    expect(stored?.id).toBe(reportId);
    expect(stored?.name).toBe("generate-report");
    expect(stored?.data).toEqual({ reportId });
    expect(stored?.opts.priority).toBe(PRIORITY.interactive);
    expect(stored?.opts.attempts).toBe(3);
    expect(job.id).toBe(reportId);
  });

  it("never creates a second job for the same report id", async () => {
    const reportId = randomUUID();
    await enqueue(queue, "generate-report", { reportId }, { jobId: reportId });
    await enqueue(queue, "generate-report", { reportId }, { jobId: reportId });
    const waiting = await queue.getJobs(["prioritized", "waiting"]);
    expect(waiting.filter((j) => j.id === reportId)).toHaveLength(1);
  });

  it("rejects a payload that doesn't match the job's schema, naming the field, before Redis sees it", async () => {
    const before = await queue.count();
    const attempt = enqueue(queue, "generate-report", { reportId: "42", extra: 1 } as never, { jobId: "bad" });
    await expect(attempt).rejects.toBeInstanceOf(InvalidJobPayloadError);
    await expect(attempt).rejects.toThrow(/reportId/);
    expect(await queue.count()).toBe(before);
  });
});

describe("enqueue when Redis is down", () => {
  it("gives up within its timeout instead of hanging", async () => {
    const dead = createProducerQueue(QUEUES.reports, { redisUrl: "redis://127.0.0.1:1", prefix });
    const started = Date.now();
    await expect(enqueue(dead, "generate-report", { reportId: randomUUID() }, { jobId: randomUUID() })).rejects.toThrow(
      /Redis did not answer within \d+ ms; check REDIS_URL/,
    );
    expect(Date.now() - started).toBeLessThan(ENQUEUE_TIMEOUT_MS + 2000);
    await dead.close().catch(() => {});
  });
});

describe("checkRedis", () => {
  it("answers null for a live Redis", async () => {
    expect(await checkRedis(REDIS_URL)).toBeNull();
  });

  it("names REDIS_URL in one line, quickly, when nothing listens", async () => {
    const started = Date.now();
    const problem = await checkRedis("redis://127.0.0.1:1", 2000);
    expect(problem).toMatch(/^Cannot reach Redis at REDIS_URL=redis:\/\/127\.0\.0\.1:1/);
    expect(problem).not.toContain("\n");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
