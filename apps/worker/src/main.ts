// The worker process: `npm run start:worker` (run it as many times as you like,
// on as many machines as you like, against one Redis and one Postgres).
import { EnvError } from "@backline/config";
import { checkDatabase, createPrismaClient } from "@backline/db";
import { checkSmtp, createMailTransport } from "@backline/mail";
import { QUEUES, checkRedis, createProducerQueue, createRedis } from "@backline/queue";
import { pino } from "pino";
import { loadWorkerEnv, type WorkerEnv } from "./env.ts";
import { startHousekeeping } from "./housekeeping.ts";
import { startReconciler } from "./reconciler.ts";
import { warnAboutRedisConfig } from "./redis-config.ts";
import { startReportWorker } from "./report-worker.ts";

function exitWith(line: string): never {
  console.error(line);
  process.exit(1);
}

let env: WorkerEnv;
try {
  env = loadWorkerEnv();
} catch (err) {
  exitWith(err instanceof EnvError ? err.message : String(err));
}

const problems = (await Promise.all([checkDatabase(env.DATABASE_URL), checkRedis(env.REDIS_URL), checkSmtp(env.SMTP_URL)])).filter(Boolean);
if (problems.length > 0) exitWith(problems.join("\n"));

const log = pino({ name: "backline-worker" });
const db = createPrismaClient(env.DATABASE_URL);
const mail = createMailTransport(env.SMTP_URL);
await warnAboutRedisConfig(env.REDIS_URL, log);
const running = await startReportWorker({
  redisUrl: env.REDIS_URL,
  prefix: env.QUEUE_PREFIX,
  concurrency: env.WORKER_CONCURRENCY,
  lockMs: env.WORKER_LOCK_MS,
  mailMaxPerSecond: env.MAIL_MAX_PER_SECOND,
  context: { db, mail, log, env },
});
const reconcilerRedis = createRedis(env.REDIS_URL, "worker");
const reconcilerQueue = createProducerQueue(QUEUES.reports, { redisUrl: env.REDIS_URL, prefix: env.QUEUE_PREFIX, attempts: env.JOB_ATTEMPTS });
const reconciler = startReconciler({
  db,
  prefix: env.QUEUE_PREFIX,
  databaseUrl: env.DATABASE_URL,
  queue: reconcilerQueue,
  redis: reconcilerRedis,
  log,
  intervalMs: env.RECONCILE_INTERVAL_MS,
  workerId: running.workerId,
});
const housekeeping = startHousekeeping({ db, log });
log.info({ queue: `${env.QUEUE_PREFIX}:${QUEUES.reports}`, concurrency: env.WORKER_CONCURRENCY }, "worker ready");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "stopping: finishing jobs in flight");
  const timer = setTimeout(() => {
    log.error("in-flight jobs did not finish in time; exiting (another worker takes them over when their locks expire)");
    process.exit(1);
  }, env.WORKER_SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  housekeeping.stop();
  await reconciler.stop();
  await running.close();
  await reconcilerQueue.close();
  reconcilerRedis.disconnect();
  mail.close();
  await db.$disconnect();
  log.info("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
