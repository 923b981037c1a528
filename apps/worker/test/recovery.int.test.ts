// Recovery on real services: the reconciler rebuilds lost Redis state from
// Postgres (one active at a time), and a job whose worker is killed -9 is
// taken over and emailed exactly once.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPrismaClient, createReport, seedDemoData, type PrismaClient } from "@backline/db";
import { createMailTransport } from "@backline/mail";
import { QUEUES, createProducerQueue, createRedis, enqueue } from "@backline/queue";
import { createScratchDatabase, startSmtpCapture, uniqueQueuePrefix, waitUntil, type ScratchDatabase, type SmtpCapture } from "@backline/test-kit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReconciler } from "../src/reconciler.ts";
import { startReportWorker } from "../src/report-worker.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const log = pino({ level: "silent" });
let scratch: ScratchDatabase;
let db: PrismaClient;
let smtp: SmtpCapture;
let reportsDir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPrismaClient(scratch.url);
  await seedDemoData(db, { customers: 100, orders: 30_000 });
  smtp = await startSmtpCapture();
  reportsDir = await mkdtemp(path.join(os.tmpdir(), "backline-recovery-"));
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await smtp?.close();
  await db?.$disconnect();
  await scratch?.drop();
  if (reportsDir) await rm(reportsDir, { recursive: true, force: true });
});

function setup(label: string) {
  const prefix = uniqueQueuePrefix(label);
  const queue = createProducerQueue(QUEUES.reports, { redisUrl: REDIS_URL, prefix });
  const redis = createRedis(REDIS_URL, "worker");
  cleanups.push(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });
  const reconciler = () => {
    const r = startReconciler({ db, prefix, databaseUrl: scratch.url, queue, redis, log, intervalMs: 60_000, graceMs: 0, workerId: "test" });
    cleanups.push(() => r.stop());
    return r;
  };
  const worker = async () => {
    const w = await startReportWorker({
      redisUrl: REDIS_URL,
      prefix,
      concurrency: 2,
      context: { db, mail: createMailTransport(smtp.url), log, env: { REPORTS_DIR: reportsDir, APP_URL: "http://localhost:3999", MAIL_FROM: "Backline <r@backline.test>", MAIL_ATTACHMENT_MAX_BYTES: 20 << 20 } },
    });
    cleanups.push(() => w.close());
    return w;
  };
  return { prefix, queue, reconciler, worker };
}

const emailsFor = (id: string) => smtp.messages.filter((m) => m.headers.get("x-report-id") === id).length;
const allSent = (ids: string[]) =>
  waitUntil(async () => (await db.report.count({ where: { id: { in: ids }, status: "sent" } })) === ids.length, { what: "every report to be sent" });

describe("reconciler", () => {
  it("enqueues reports whose row was written but whose job never was (web died in between)", async () => {
    const { queue, reconciler, worker } = setup("orphans");
    const ids = await Promise.all([1, 2, 3].map(async () => (await createReport(db, { type: "sales-summary", params: {}, ownerEmail: "orphan@example.com" })).id));
    expect(await reconciler().tick()).toBe(3);
    for (const id of ids) expect((await queue.getJob(id))?.data).toEqual({ reportId: id });
    await worker();
    await allSent(ids);
    for (const id of ids) expect(emailsFor(id)).toBe(1);
    const notes = await db.reportEvent.findMany({ where: { reportId: ids[0], message: { contains: "Re-queued" } } });
    expect(notes).toHaveLength(1);
  });

  it("rebuilds the queue after Redis lost it, without duplicating live jobs", async () => {
    const { queue, reconciler, worker } = setup("flushed");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const report = await createReport(db, { type: "sales-summary", params: {}, ownerEmail: "flushed@example.com" });
      await enqueue(queue, "generate-report", { reportId: report.id }, { jobId: report.id });
      ids.push(report.id);
    }
    const r = reconciler();
    expect(await r.tick()).toBe(0); // every job is alive: nothing to do
    await queue.obliterate({ force: true }); // what a Redis restart without persistence does to us
    expect(await queue.getJob(ids[0]!)).toBeUndefined();
    expect(await r.tick()).toBe(4);
    expect(await r.tick()).toBe(0);
    await worker();
    await allSent(ids);
    for (const id of ids) expect(emailsFor(id)).toBe(1);
  });

  it("runs in one process at a time", async () => {
    const { queue, reconciler } = setup("leader");
    const a = reconciler();
    const b = reconciler();
    await a.tick(); // a takes the lock
    const report = await createReport(db, { type: "sales-summary", params: {}, ownerEmail: "leader@example.com" });
    expect(await b.tick()).toBe(0);
    expect(await queue.getJob(report.id)).toBeUndefined();
    await a.stop(); // the lock goes with a's session
    expect(await b.tick()).toBe(1);
  });
});

describe("crash recovery", () => {
  it("takes over a report whose worker was killed -9 mid-render, and emails it once", async () => {
    const { prefix, queue, worker } = setup("crash");
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: path.resolve(import.meta.dirname, ".."),
      env: { ...process.env, DATABASE_URL: scratch.url, REDIS_URL, QUEUE_PREFIX: prefix, SMTP_URL: smtp.url, REPORTS_DIR: reportsDir, WORKER_CONCURRENCY: "1", WORKER_LOCK_MS: "3000" },
      stdio: "ignore",
    });
    cleanups.push(async () => void child.kill("SIGKILL"));
    const info = await db.seedInfo.findUniqueOrThrow({ where: { id: 1 } });
    const to = new Date(info.endsAt.getTime() - 86_400_000).toISOString().slice(0, 10);
    const report = await createReport(db, { type: "sales-summary", params: { from: `${Number(to.slice(0, 4)) - 2}${to.slice(4, 8)}01`, to, groupBy: "day" }, ownerEmail: "crash@example.com" });
    await enqueue(queue, "generate-report", { reportId: report.id }, { jobId: report.id });
    await waitUntil(async () => (await db.report.findUniqueOrThrow({ where: { id: report.id } })).status === "generating", { what: "the child worker to start", intervalMs: 10 });
    child.kill("SIGKILL");
    await worker(); // the survivor

    await allSent([report.id]);
    const done = await db.report.findUniqueOrThrow({ where: { id: report.id }, include: { events: { orderBy: { id: "asc" } } } });
    expect(done.attempts).toBe(2);
    const starters = done.events.filter((e) => /^Attempt \d started$/.test(e.message)).map((e) => e.workerId);
    expect(starters).toHaveLength(2);
    expect(starters[0]).toMatch(new RegExp(`:${child.pid}$`));
    expect(starters[1]).not.toBe(starters[0]);
    expect(emailsFor(report.id)).toBe(1);
  });
});
