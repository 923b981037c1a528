// The worker process: `npm run start:worker` (run it as many times as you like,
// on as many machines as you like, against one Redis and one Postgres).
import { EnvError, limitsEnv, parseEnv } from "@backline/config";
import { createLogger } from "@backline/config/logger";
import { checkDatabase, createPrismaClient } from "@backline/db";
import { checkSmtp, createMailTransport } from "@backline/mail";
import { QUEUES, asCluster, checkRedis, createProducerQueue, createRedis, redisAnswers } from "@backline/queue";
import client from "prom-client";
import { loadWorkerEnv, type WorkerEnv } from "./env.ts";
import { createStorage } from "@backline/storage";
import { startHousekeeping } from "./housekeeping.ts";
import { startCampaignSender } from "./campaign-sender.ts";
import { startAdminDigest } from "./notifications.ts";
import { countingMail, registerStateGauges, watchWorkers, workerMetrics } from "./metrics.ts";
import { startOpsServer } from "./ops-server.ts";
import { startReconciler } from "./reconciler.ts";
import { startSchedulerLoop } from "./scheduler-loop.ts";
import { warnAboutRedisConfig } from "./redis-config.ts";
import { mailRates, startReportWorker } from "./report-worker.ts";
import { startWebhookWorker, webhookSettings } from "./webhook-worker.ts";

/** Rejects when `promise` takes longer than `ms` (a readiness answer must not hang). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error("timed out")), ms).unref())]);
}

function exitWith(line: string): never {
  console.error(line);
  process.exit(1);
}

let env: WorkerEnv;
let signInEmailsPerMinute: number;
try {
  env = loadWorkerEnv();
  // The web app's cap on sign-in emails per minute, held by the workers too for what is actually sent.
  signInEmailsPerMinute = parseEnv(limitsEnv.pick({ SIGN_IN_EMAILS_PER_MINUTE: true })).SIGN_IN_EMAILS_PER_MINUTE;
} catch (err) {
  exitWith(err instanceof EnvError ? err.message : String(err));
}

let rates: ReturnType<typeof mailRates>;
try {
  rates = mailRates(env.MAIL_MAX_PER_SECOND, env.SIGN_IN_MAIL_MAX_PER_SECOND, { perSecond: env.CAMPAIGN_MAIL_MAX_PER_SECOND });
} catch (err) {
  exitWith((err as Error).message);
}

const problems = (await Promise.all([checkDatabase(env.DATABASE_URL), checkRedis(env.REDIS_URL), checkSmtp(env.SMTP_URL)])).filter(Boolean);
if (problems.length > 0) exitWith(problems.join("\n"));

// Where PDFs go (STORAGE_URL, else the folder REPORTS_DIR). A bucket that can't be reached is a service down at start-up, like
// the ones above: one line naming it. A folder is made when first written (its problems show in /readyz and in the failed report).
const storage = await createStorage(env);
const storageProblem = storage.kind === "s3" ? await storage.problem() : null;
if (storageProblem) exitWith(storageProblem);

const log = createLogger("backline-worker");
const db = createPrismaClient(env.DATABASE_URL);
const mail = countingMail(createMailTransport(env.SMTP_URL));
await warnAboutRedisConfig(env.REDIS_URL, log);
// Before the report workers, so nothing awaited stands between them taking jobs and the signal handlers below.
const webhooks = await startWebhookWorker({ redisUrl: env.REDIS_URL, prefix: env.QUEUE_PREFIX, db, mail, log, env, settings: webhookSettings(env) });
const running = await startReportWorker({
  redisUrl: env.REDIS_URL,
  prefix: env.QUEUE_PREFIX,
  concurrency: env.WORKER_CONCURRENCY,
  lockMs: env.WORKER_LOCK_MS,
  mailMaxPerSecond: env.MAIL_MAX_PER_SECOND,
  signInMailMaxPerSecond: env.SIGN_IN_MAIL_MAX_PER_SECOND,
  campaignMailPerSecond: rates.campaigns,
  signInEmailsPerMinute,
  context: { db, mail, log, env, storage },
});
const reconcilerRedis = createRedis(env.REDIS_URL, "worker");
const reconcilerQueue = createProducerQueue(QUEUES.reports, { redisUrl: env.REDIS_URL, prefix: env.QUEUE_PREFIX, attempts: env.JOB_ATTEMPTS });
const reconcilerSignInQueue = createProducerQueue(QUEUES.signIn, { redisUrl: env.REDIS_URL, prefix: env.QUEUE_PREFIX });
const reconciler = startReconciler({
  db,
  prefix: env.QUEUE_PREFIX,
  databaseUrl: env.DATABASE_URL,
  queue: reconcilerQueue,
  signInQueue: reconcilerSignInQueue,
  redis: reconcilerRedis,
  log,
  intervalMs: env.RECONCILE_INTERVAL_MS,
  workerId: running.workerId,
  webhooks: { queue: webhooks.queue, retryBaseMs: webhookSettings(env).retryBaseMs },
  onRequeued: (n) => workerMetrics.requeued.inc(n),
});
client.collectDefaultMetrics({ prefix: "backline_worker_" });
watchWorkers([running.worker, running.signInWorker]);
registerStateGauges(db, [reconcilerQueue, reconcilerSignInQueue]);
const ops = env.WORKER_METRICS_PORT
  ? await startOpsServer({
      port: env.WORKER_METRICS_PORT,
      host: env.WORKER_METRICS_HOST,
      async notReady() {
        const [database, redis] = await Promise.all([
          db.$queryRaw`select 1`.then(
            () => null,
            () => "Postgres is unreachable (DATABASE_URL)",
          ),
          withTimeout(redisAnswers(reconcilerRedis), 2000).then(
            () => null,
            () => (asCluster(reconcilerRedis) ? "the Redis Cluster is unreachable or not ok (REDIS_CLUSTER_NODES)" : "Redis is unreachable (REDIS_URL)"),
          ),
        ]);
        const consuming = running.worker.isRunning() && running.signInWorker.isRunning() ? null : "the queue workers are not running";
        const stored = await storage.problem();
        return [database, redis, consuming, stored].filter((p): p is string => Boolean(p));
      },
    })
  : null;
const housekeeping = startHousekeeping({ db, log, storage, campaignRetentionDays: env.CAMPAIGN_RETENTION_DAYS });
const campaigns = startCampaignSender({ db, storage, redis: reconcilerRedis, mail, log, prefix: env.QUEUE_PREFIX, env, mailPerSecond: rates.campaigns! });
const digest = startAdminDigest({ db, mail, log, env, admins: env.ADMIN_EMAILS, intervalMs: env.ADMIN_DIGEST_MINUTES * 60_000 });
const scheduler = startSchedulerLoop({
  db,
  queue: reconcilerQueue,
  log,
  intervalMs: env.SCHEDULER_INTERVAL_MS,
  settings: {
    jitterWindowMs: env.SCHEDULE_JITTER_SECONDS * 1000,
    lateAfterMs: env.SCHEDULE_LATE_AFTER_SECONDS * 1000,
    catchUpMax: env.SCHEDULE_CATCH_UP_MAX,
    pauseAfterFailures: env.SCHEDULE_PAUSE_AFTER_FAILURES,
  },
});
log.info(
  {
    queues: [QUEUES.reports, QUEUES.signIn, QUEUES.webhooks].map((q) => `${env.QUEUE_PREFIX}:${q}`),
    concurrency: env.WORKER_CONCURRENCY,
    reportMailsPerSecond: rates.reports,
    signInMailsPerSecond: rates.signIn,
    campaignMailsPerSecond: rates.campaigns,
  },
  "worker ready",
);
// Started by the launcher (launcher.ts, `npm run start:worker`): it counts this process as up from here.
process.send?.({ backline: "ready" });

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
  // Both workers (reports and sign-in emails) stop taking jobs at once; the ones in flight finish.
  const closing = Promise.all([running.close(), webhooks.close()]);
  housekeeping.stop();
  await scheduler.stop();
  digest.stop();
  await campaigns.stop();
  await ops?.close();
  await reconciler.stop();
  await closing;
  await Promise.all([reconcilerQueue.close(), reconcilerSignInQueue.close()]);
  reconcilerRedis.disconnect();
  mail.close();
  storage.close();
  await db.$disconnect();
  log.info("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// The launcher gone (killed outright): drain and exit rather than run on unsupervised.
if (process.send) process.on("disconnect", () => void shutdown("launcher gone"));
