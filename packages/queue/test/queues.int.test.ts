// Each job has one queue (security review #11: a sign-in flood must not share
// the reports queue and its mail limiter). enqueue() refuses a job on a queue
// that isn't its own, before Redis sees it.
import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import { uniqueQueuePrefix } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_QUEUE, QUEUES, WrongQueueError, createProducerQueue, enqueue, signInEmailJobOptions } from "../src/index.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = uniqueQueuePrefix("queues-test");
let reports: Queue;
let signIn: Queue;

beforeAll(() => {
  reports = createProducerQueue(QUEUES.reports, { redisUrl: REDIS_URL, prefix });
  signIn = createProducerQueue(QUEUES.signIn, { redisUrl: REDIS_URL, prefix });
});
afterAll(async () => {
  for (const q of [reports, signIn]) {
    await q.obliterate({ force: true });
    await q.close();
  }
});

describe("job queues", () => {
  it("sign-in emails have a queue of their own", () => {
    expect(QUEUES.signIn).not.toBe(QUEUES.reports);
    expect(JOB_QUEUE["send-sign-in-link"]).toBe(QUEUES.signIn);
    expect(JOB_QUEUE["generate-report"]).toBe(QUEUES.reports);
  });

  it("adds a sign-in email to the sign-in queue under its row's id", async () => {
    const id = randomUUID();
    await enqueue(signIn, "send-sign-in-link", { signInEmailId: id }, signInEmailJobOptions(id));
    expect((await signIn.getJob(id))?.data).toEqual({ signInEmailId: id });
    expect(await reports.getJob(id)).toBeUndefined();
  });

  it("refuses a job on another job's queue, before Redis sees it", async () => {
    const id = randomUUID();
    const before = await reports.count();
    await expect(enqueue(reports, "send-sign-in-link", { signInEmailId: id }, signInEmailJobOptions(id))).rejects.toBeInstanceOf(WrongQueueError);
    await expect(enqueue(signIn, "generate-report", { reportId: id }, { jobId: id })).rejects.toThrow(/generate-report jobs go on the "reports" queue/);
    expect(await reports.count()).toBe(before);
    expect(await signIn.getJob(id)).toBeUndefined();
  });
});
