// Shared set-up of the worker's integration tests: a seeded scratch database,
// an SMTP sink that parses and keeps what it receives, PDF storage (a reports
// folder, or with `storage: "s3"` a bucket on an S3-protocol server started
// here), queue stacks with their own prefixes, and workers in this process or
// in child processes. Everything made is torn down by close().
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseStorageUrl } from "@backline/config";
import { createPrismaClient, seedDemoData, type PrismaClient } from "@backline/db";
import { createMailTransport } from "@backline/mail";
import { QUEUES, createProducerQueue, createRedis } from "@backline/queue";
import { reportCommands } from "@backline/report-service";
import { createStorage, type Storage } from "@backline/storage";
import {
  TEST_SECRETS,
  createScratchDatabase,
  testWorkerSettings,
  deleteQueueKeys,
  startProcess,
  startS3Server,
  startSmtpSink,
  uniqueQueuePrefix,
  type S3Server,
  type ScratchDatabase,
  type SmtpSink,
  type SmtpSinkOptions,
} from "@backline/test-kit";
import { pino } from "pino";
import { startReportWorker, type RunningWorker } from "../src/report-worker.ts";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const APP_URL = "http://localhost:3999";

export interface Harness {
  scratch: ScratchDatabase;
  db: PrismaClient;
  smtp: SmtpSink;
  /** The folder of `file:` storage (the default); with `storage: "s3"`, unused. */
  reportsDir: string;
  /** Where the workers keep PDFs: the reports folder, or the bucket. */
  storage: Storage;
  /** With `storage: "s3"`: the server, whose `env` every spawned worker gets. */
  s3: S3Server | null;
  /** A queue prefix with its producer side: queue, publisher and the web's commands. */
  stack(label: string): ReturnType<typeof makeStack>;
  /** A worker in this process. */
  startWorker(prefix: string, concurrency?: number): Promise<RunningWorker>;
  /** A real worker process (src/main.ts), as production runs it; its stderr is echoed, and close() kills it. */
  spawnWorker(prefix: string, env?: Record<string, string>): ChildProcess;
  /** Emails captured for a report. */
  emailsFor(reportId: string): number;
  onClose(cleanup: () => Promise<unknown>): void;
  /**
   * Tears down what the test made (workers, stacks, reconcilers), keeping the database and sink: every worker
   * shares the one database, so one left running would re-add, schedule or send another test's rows
   * (its reconciler, scheduler and campaign sender read the whole database, whatever its queue prefix).
   * For files whose stacks are all made inside tests: `afterEach(() => h.endTest())`.
   */
  endTest(): Promise<void>;
  close(): Promise<void>;
}

export async function createHarness(options: { customers: number; orders: number; smtp?: SmtpSinkOptions; storage?: "file" | "s3" }): Promise<Harness> {
  const scratch = await createScratchDatabase();
  const db = createPrismaClient(scratch.url);
  await seedDemoData(db, { customers: options.customers, orders: options.orders });
  const smtp = await startSmtpSink(options.smtp);
  const reportsDir = await mkdtemp(path.join(os.tmpdir(), "backline-worker-test-"));
  const s3 = options.storage === "s3" ? await startS3Server() : null;
  const storage = await createStorage({ ...s3?.env, REPORTS_DIR: reportsDir, STORAGE_URL: s3 ? parseStorageUrl(s3.env.STORAGE_URL!)! : undefined });
  const cleanups: (() => Promise<unknown>)[] = [];
  const onClose = (cleanup: () => Promise<unknown>) => void cleanups.push(cleanup);

  return {
    scratch,
    db,
    smtp,
    reportsDir,
    storage,
    s3,
    onClose,
    stack: (label) => makeStack(db, label, onClose),
    async startWorker(prefix, concurrency = 1) {
      const running = await startReportWorker({
        redisUrl: REDIS_URL,
        prefix,
        concurrency,
        context: {
          db,
          mail: createMailTransport(smtp.url),
          log: pino({ level: "silent" }),
          env: testWorkerSettings(reportsDir, APP_URL),
          storage,
        },
      });
      onClose(() => running.close());
      return running;
    },
    spawnWorker(prefix, env = {}) {
      const worker = startProcess("worker", process.execPath, ["--import", "tsx", "src/main.ts"], {
        cwd: path.resolve(import.meta.dirname, ".."),
        env: {
          ...process.env,
          DATABASE_URL: scratch.url,
          REDIS_URL,
          QUEUE_PREFIX: prefix,
          SMTP_URL: smtp.url,
          REPORTS_DIR: reportsDir,
          APP_URL,
          WORKER_CONCURRENCY: "1",
          ...TEST_SECRETS,
          ...s3?.env,
          ...env,
        },
        onLine: (line, stream) => void (stream === "stderr" && process.stderr.write(`${line}\n`)),
        graceMs: 0, // a test's leftover worker is killed, not drained
      });
      onClose(() => worker.stop());
      return worker.child;
    },
    emailsFor: (reportId) => smtp.byReport.get(reportId)?.length ?? 0,
    async endTest() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    },
    async close() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
      await smtp.close();
      await db.$disconnect();
      await scratch.drop();
      storage.close();
      await s3?.close();
      await rm(reportsDir, { recursive: true, force: true });
    },
  };
}

function makeStack(db: PrismaClient, label: string, onClose: (cleanup: () => Promise<unknown>) => void) {
  const prefix = uniqueQueuePrefix(label);
  const queue = createProducerQueue(QUEUES.reports, { redisUrl: REDIS_URL, prefix });
  const signInQueue = createProducerQueue(QUEUES.signIn, { redisUrl: REDIS_URL, prefix });
  const redis = createRedis(REDIS_URL, "producer");
  const commands = reportCommands({ db, queue, redis, prefix });
  onClose(async () => {
    await queue.close();
    await signInQueue.close();
    redis.disconnect();
    await deleteQueueKeys(REDIS_URL, prefix);
  });
  return { prefix, queue, signInQueue, redis, commands };
}

/** The whole demo dataset by day, all regions: the longest sales summary there is (~100 pages). */
export async function longSalesSummaryParams(db: PrismaClient) {
  const info = await db.seedInfo.findUniqueOrThrow({ where: { id: 1 } });
  const to = new Date(info.endsAt.getTime() - 86_400_000).toISOString().slice(0, 10);
  const from = new Date(Date.UTC(info.endsAt.getUTCFullYear() - 2, info.endsAt.getUTCMonth(), 1)).toISOString().slice(0, 10);
  return { from, to, groupBy: "day" as const };
}
