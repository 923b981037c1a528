// Job tracking on real services: live progress over Redis pub/sub, cancel
// across processes, retry after a real SMTP refusal, and queue position.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPrismaClient, seedDemoData, type PrismaClient } from "@backline/db";
import { createMailTransport } from "@backline/mail";
import { QUEUES, createProducerQueue, createRedis } from "@backline/queue";
import { ReportUpdateHub, estimateQueued, queuePosition, reportCommands, type ReportCommands, type ReportUpdate } from "@backline/report-service";
import { createScratchDatabase, startSmtpCapture, uniqueQueuePrefix, waitUntil, type ScratchDatabase, type SmtpCapture } from "@backline/test-kit";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReportWorker, type RunningWorker } from "../src/report-worker.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const APP_URL = "http://localhost:3999";
const REFUSED = "refused@example.com";

let scratch: ScratchDatabase;
let db: PrismaClient;
let smtp: SmtpCapture;
let refuse = true;
let reportsDir: string;
let longParams: { from: string; to: string; groupBy: "day" };
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPrismaClient(scratch.url);
  await seedDemoData(db, { customers: 200, orders: 40_000 });
  smtp = await startSmtpCapture({ rejectRecipient: (a) => refuse && a === REFUSED });
  reportsDir = await mkdtemp(path.join(os.tmpdir(), "backline-tracking-"));
  // The whole dataset, by day, all regions: the longest sales summary there is (~100 pages).
  const info = await db.seedInfo.findUniqueOrThrow({ where: { id: 1 } });
  const to = new Date(info.endsAt.getTime() - 86_400_000).toISOString().slice(0, 10);
  const from = new Date(Date.UTC(info.endsAt.getUTCFullYear() - 2, info.endsAt.getUTCMonth(), 1)).toISOString().slice(0, 10);
  longParams = { from, to, groupBy: "day" };
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await smtp?.close();
  await db?.$disconnect();
  await scratch?.drop();
  if (reportsDir) await rm(reportsDir, { recursive: true, force: true });
});

/** A queue prefix with its producer side: queue, publisher and the web's commands. */
function stack(label: string) {
  const prefix = uniqueQueuePrefix(label);
  const queue = createProducerQueue(QUEUES.reports, { redisUrl: REDIS_URL, prefix });
  const redis = createRedis(REDIS_URL, "producer");
  const commands = reportCommands({ db, queue, redis, prefix });
  cleanups.push(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });
  return { prefix, queue, redis, commands };
}

async function inProcessWorker(prefix: string, concurrency = 1): Promise<RunningWorker> {
  const running = await startReportWorker({
    redisUrl: REDIS_URL,
    prefix,
    concurrency,
    context: {
      db,
      mail: createMailTransport(smtp.url),
      log: pino({ level: "silent" }),
      env: { REPORTS_DIR: reportsDir, APP_URL, MAIL_FROM: "Backline <reports@backline.test>", MAIL_ATTACHMENT_MAX_BYTES: 20 * 1024 * 1024 },
    },
  });
  cleanups.push(() => running.close());
  return running;
}

async function request(commands: ReportCommands, params: object, email = "ana@example.com") {
  const result = await commands.request({ type: "sales-summary", params, email });
  if (!result.ok) throw new Error(`request failed: ${result.error}`);
  return result.report.id;
}

const statusOf = async (id: string) => (await db.report.findUniqueOrThrow({ where: { id } })).status;
const waitForStatus = (id: string, ...statuses: string[]) =>
  waitUntil(async () => statuses.includes(await statusOf(id)), { what: `report ${id} to be ${statuses.join("/")}` });

describe("live progress", () => {
  it("publishes monotonically increasing progress for a long report, and milestones in the history", async () => {
    const { prefix, commands } = stack("progress");
    const subscriber = createRedis(REDIS_URL, "worker");
    cleanups.push(async () => subscriber.disconnect());
    const hub = new ReportUpdateHub(subscriber, prefix);
    const updates: ReportUpdate[] = [];

    const id = await request(commands, longParams);
    const unsubscribe = await hub.subscribe(id, (u) => updates.push(u));
    await inProcessWorker(prefix);
    await waitForStatus(id, "sent");
    await unsubscribe();

    const report = await db.report.findUniqueOrThrow({ where: { id } });
    expect(report.pageCount).toBeGreaterThan(60);
    const generating = updates.filter((u) => u.report.status === "generating").map((u) => u.report.progress);
    expect(new Set(generating).size).toBeGreaterThanOrEqual(3); // writes are throttled to one per 250 ms
    expect(generating).toEqual([...generating].sort((a, b) => a - b)); // never backwards
    expect(Math.max(...generating)).toBeGreaterThanOrEqual(90); // the last page's value is always written
    expect(updates.at(-1)!.report.status).toBe("sent");
    expect(updates.some((u) => u.report.stage?.startsWith("Rendering page"))).toBe(true);

    const milestones = await db.reportEvent.findMany({ where: { reportId: id, status: "generating" }, orderBy: { id: "asc" } });
    const percents = milestones.map((e) => e.progress);
    expect(percents.length).toBeGreaterThanOrEqual(3);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
  });
});

describe("cancel", () => {
  it("stops a generating report in another worker process, sends no email and leaves no file", async () => {
    const { prefix, queue, commands } = stack("cancel");
    const child = spawnWorkerProcess(prefix);
    const id = await request(commands, longParams, "cancel-me@example.com");
    await waitUntil(async () => (await db.report.findUniqueOrThrow({ where: { id } })).status === "generating", { what: "generation to start", intervalMs: 10 });

    const result = await commands.cancel(id);
    expect(result.ok).toBe(true);
    const job = await waitUntil(async () => {
      const j = await queue.getJob(id);
      return j && (await j.isCompleted()) ? j : null;
    }, { what: "the worker process to let go of the job" });
    // Stopped mid-render ({cancelled}) or at the next stage boundary ({skipped}) — never emailed.
    expect(job.returnvalue).toSatisfy((v: object) => "cancelled" in v || "skipped" in v);

    const report = await db.report.findUniqueOrThrow({ where: { id }, include: { events: true } });
    expect(report.status).toBe("cancelled");
    expect(report.events.map((e) => e.status)).not.toContain("emailing");
    expect(existsSync(path.join(reportsDir, `${id}.pdf`))).toBe(false);
    await new Promise((r) => setTimeout(r, 500)); // an email would have been sent by now
    expect(smtp.messages.some((m) => m.headers.get("x-report-id") === id)).toBe(false);

    // Cancelling again, or a sent report, is a conflict.
    expect(await commands.cancel(id)).toMatchObject({ ok: false, status: 409 });
    child.kill("SIGTERM");
  });

  it("removes a queued report's job so no worker ever starts it", async () => {
    const { queue, commands } = stack("cancel-queued");
    const id = await request(commands, {});
    expect(await queue.getJob(id)).toBeDefined();
    expect((await commands.cancel(id)).ok).toBe(true);
    expect(await queue.getJob(id)).toBeUndefined();
    expect(await statusOf(id)).toBe("cancelled");
  });
});

describe("retry", () => {
  it("retries a report that failed for real (SMTP refused), keeping its id and history", async () => {
    const { prefix, commands } = stack("retry");
    await inProcessWorker(prefix);
    refuse = true;
    const id = await request(commands, {}, REFUSED);
    await waitForStatus(id, "failed");
    expect((await db.report.findUniqueOrThrow({ where: { id } })).failureReason).toMatch(/rejected/);
    expect(await commands.retry(id)).toMatchObject({ ok: true });

    refuse = false;
    await waitForStatus(id, "sent");
    const report = await db.report.findUniqueOrThrow({ where: { id }, include: { events: { orderBy: { id: "asc" } } } });
    expect(report.attempts).toBe(2);
    expect(report.failureReason).toBeNull();
    const starts = report.events.filter((e) => e.message.match(/^Attempt \d started$/)).map((e) => e.attempt);
    expect(starts).toEqual([1, 2]);
    expect(report.events.map((e) => e.status)).toEqual(expect.arrayContaining(["failed", "queued", "sent"]));
    expect(smtp.messages.filter((m) => m.headers.get("x-report-id") === id)).toHaveLength(1);
    // A sent report can't be retried.
    expect(await commands.retry(id)).toMatchObject({ ok: false, status: 409 });
  });
});

describe("queue position", () => {
  it("counts down as the jobs ahead finish, with an ETA once durations are known", async () => {
    const { prefix, queue, redis, commands } = stack("position");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await request(commands, longParams));
    expect(await Promise.all(ids.map((id) => queuePosition(queue, redis, id)))).toEqual([1, 2, 3, 4]);

    const last = ids.at(-1)!;
    await inProcessWorker(prefix, 1);
    const seen: number[] = [];
    let eta: number | null = null;
    await waitUntil(
      async () => {
        const estimate = await estimateQueued({ db, queue, redis }, { id: last, type: "sales-summary" });
        if (!estimate) return true;
        if (seen.at(-1) !== estimate.position) seen.push(estimate.position);
        eta ??= estimate.etaSeconds;
        return false;
      },
      { what: "the last report to leave the queue", intervalMs: 20 },
    );
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([...seen].sort((a, b) => b - a)); // only ever down
    expect(Math.min(...seen)).toBeLessThan(4);
    // Sent sales summaries exist (earlier tests) and one job is active: an honest ETA.
    expect(eta).toBeGreaterThan(0);
    await waitForStatus(last, "sent");
  });
});

function spawnWorkerProcess(prefix: string): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: { ...process.env, DATABASE_URL: scratch.url, REDIS_URL, QUEUE_PREFIX: prefix, SMTP_URL: smtp.url, REPORTS_DIR: reportsDir, APP_URL, WORKER_CONCURRENCY: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    }
  });
  return child;
}
