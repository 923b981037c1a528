// Webhook deliveries, beside the report and sign-in workers: a BullMQ worker on
// the `webhooks` queue (its own, so a slow receiver never holds a report's slot)
// and the dispatcher, which turns outbox rows into jobs. The rows are written by
// the database itself (triggers in the migration) in the statement that sends,
// fails, pauses or completes something; every worker process polls for rows
// without a job (FOR UPDATE SKIP LOCKED, so each is taken by one) and adds
// `<id>-r<round>`. The reconciler re-adds a job for any pending row whose job
// went missing (requeueWebhookMessages).
import type { PrismaClient } from "@backline/db";
import type { MailTransport } from "@backline/mail";
import { QUEUES, createProducerQueue, createRedis, enqueue, webhookJobOptions } from "@backline/queue";
import { type Queue, Worker } from "bullmq";
import type { Logger } from "pino";
import type { WorkerEnv } from "./env.ts";
import { processors, type ProcessorContext } from "./processors/index.ts";

type WebhookSettings = NonNullable<ProcessorContext["webhooks"]>;

export function webhookSettings(
  env: Pick<WorkerEnv, "WEBHOOK_ALLOWED_HOSTS" | "WEBHOOK_TIMEOUT_SECONDS" | "WEBHOOK_RETRY_BASE_SECONDS" | "WEBHOOK_DISABLE_AFTER_HOURS">,
) {
  return {
    allowedHosts: env.WEBHOOK_ALLOWED_HOSTS,
    timeoutMs: env.WEBHOOK_TIMEOUT_SECONDS * 1000,
    retryBaseMs: env.WEBHOOK_RETRY_BASE_SECONDS * 1000,
    disableAfterMs: env.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000,
  } satisfies WebhookSettings;
}

export interface WebhookWorkerOptions {
  redisUrl: string;
  prefix: string;
  db: PrismaClient;
  mail: MailTransport;
  log: Logger;
  env: ProcessorContext["env"];
  settings: WebhookSettings;
  /** Deliveries one process makes at once. */
  concurrency?: number;
  /** How often the dispatcher looks for new outbox rows. */
  pollMs?: number;
}

/** Adds a job for each outbox row that has none yet (at most `limit`); how many. */
async function dispatchWebhookMessages(db: PrismaClient, queue: Queue, retryBaseMs: number, limit = 100): Promise<number> {
  const rows = await db.$queryRaw<{ id: string; round: number }[]>`
    update webhook_messages set enqueued_at = now()
    where id in (select id from webhook_messages where status = 'pending' and enqueued_at is null order by created_at limit ${limit} for update skip locked)
    returning id::text, round`;
  for (const row of rows) await enqueue(queue, "deliver-webhook", { messageId: row.id, round: row.round }, webhookJobOptions(row.id, row.round, retryBaseMs));
  return rows.length;
}

/**
 * For the reconciler: pending rows enqueued before `cutoff` whose job is gone (Redis lost it, or the process died
 * between marking and adding) get it back, under the same job id.
 */
export async function requeueWebhookMessages(
  db: PrismaClient,
  queue: Queue,
  retryBaseMs: number,
  cutoff: Date,
  withoutLiveJob: (queue: Queue, ids: string[]) => Promise<{ id: string }[]>,
): Promise<number> {
  const rows = await db.webhookMessage.findMany({
    where: { status: "pending", enqueuedAt: { lt: cutoff } },
    select: { id: true, round: true },
    orderBy: { enqueuedAt: "asc" },
    take: 1000,
  });
  const round = new Map(rows.map((r) => [`${r.id}-r${r.round}`, r]));
  let requeued = 0;
  for (const { id: jobId } of await withoutLiveJob(queue, [...round.keys()])) {
    const row = round.get(jobId)!;
    await enqueue(queue, "deliver-webhook", { messageId: row.id, round: row.round }, webhookJobOptions(row.id, row.round, retryBaseMs));
    requeued += 1;
  }
  return requeued;
}

export async function startWebhookWorker(options: WebhookWorkerOptions) {
  const { db, log, settings } = options;
  const ctx = { db, mail: options.mail, log, env: options.env, webhooks: settings } as ProcessorContext;
  const worker = new Worker(
    QUEUES.webhooks,
    async (job, token) => {
      if (job.name !== "deliver-webhook") throw new Error(`No processor for job "${job.name}" on the ${QUEUES.webhooks} queue`);
      return processors["deliver-webhook"](job, ctx, token);
    },
    { prefix: options.prefix, connection: createRedis(options.redisUrl, "worker"), concurrency: options.concurrency ?? 4 },
  );
  worker.on("error", (err) => log.error({ queue: QUEUES.webhooks, err: err.message }, "worker error"));
  const queue = createProducerQueue(QUEUES.webhooks, { redisUrl: options.redisUrl, prefix: options.prefix });
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    dispatchWebhookMessages(db, queue, settings.retryBaseMs)
      .catch((err: Error) => log.warn({ err: err.message }, "webhook dispatcher pass failed; will retry"))
      .finally(() => (busy = false));
  }, options.pollMs ?? 1000);
  timer.unref();
  await worker.waitUntilReady();
  return {
    worker,
    queue,
    async close() {
      clearInterval(timer);
      await worker.close();
      await queue.close();
    },
  };
}
