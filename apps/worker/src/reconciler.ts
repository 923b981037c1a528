// Rebuilds Redis from Postgres. Every report that isn't final, and every
// sign-in link still waiting for its email, must have a live job; after a Redis
// restart without persistence, a FLUSHALL, or a web process that died between
// writing the row and adding the job, some don't. One worker process at a time
// (a Postgres advisory lock, released by Postgres itself if that process dies)
// finds them and enqueues them again — under the row's id as job id, so a row
// never gets two jobs; reports on the reports queue, sign-in links on theirs.
import { AUDIT_ACTIONS, IN_FLIGHT, RECONCILER_ACTOR, noteReportEvent, recordAudit, type AuditInput, type PrismaClient } from "@backline/db";
import { PRIORITY, enqueue, jobLiveness } from "@backline/queue";
import { addSignInEmailJob, pendingSignInEmailIds } from "@backline/sign-in-outbox";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import pg from "pg";
import type { Logger } from "pino";
import { requeueWebhookMessages } from "./webhook-worker.ts";

/** Advisory lock namespace ("blrc"); the second key is the queue prefix's hash, one leader per stack. */
const LOCK_NAMESPACE = 0x626c7263;
const BATCH = 1000;

export interface ReconcilerOptions {
  db: PrismaClient;
  prefix: string;
  databaseUrl: string;
  /** The reports queue (QUEUES.reports). */
  queue: Queue;
  /** The sign-in email queue (QUEUES.signIn). */
  signInQueue: Queue;
  /** For cheap job lookups (pipelined HGETs), not BullMQ's blocking connection. */
  redis: Redis;
  log: Logger;
  intervalMs: number;
  /** Leave rows younger than this alone: their job may be on its way. */
  graceMs?: number;
  /** The webhooks queue: undelivered outbox rows whose job went missing get it back. */
  webhooks?: { queue: Queue; retryBaseMs: number };
  /** Told how many rows each pass gave a job back to (the metrics count them). */
  onRequeued?: (count: number) => void;
  workerId: string;
}

export function startReconciler(options: ReconcilerOptions) {
  const { db, queue, signInQueue, redis, log } = options;
  const graceMs = options.graceMs ?? 5000;
  let lock: pg.Client | null = null;
  let running = false;

  /** The advisory lock lives as long as this session: hold one connection for it. */
  async function holdLock(): Promise<boolean> {
    if (!lock) {
      const client = new pg.Client({ connectionString: options.databaseUrl, application_name: "backline-reconciler" });
      client.on("error", () => {
        lock = null; // session gone: the lock went with it
      });
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1, hashtext($2)) as locked", [LOCK_NAMESPACE, options.prefix]);
      if (!rows[0]?.locked) {
        await client.end();
        return false;
      }
      lock = client;
      log.info("reconciler: this process is the active one");
    }
    return true;
  }

  /** The ids among these whose job is missing, or finished though its row says otherwise (that job is removed). One round trip. */
  async function withoutLiveJob(queue: Queue, ids: string[]): Promise<{ id: string; ended: boolean }[]> {
    const dead = (await jobLiveness(redis, queue, ids)).filter((job) => !job.live);
    for (const job of dead) if (job.ended) await queue.remove(job.id).catch(() => 0);
    return dead;
  }

  /** How many rows got their job back. */
  async function tick(): Promise<number> {
    if (!(await holdLock())) return 0;
    const cutoff = new Date(Date.now() - graceMs);
    let requeued = 0;
    // The audit log names each row given its job back (the admin console shows the latest).
    const audit: AuditInput[] = [];
    const requeue = (target: string, detail: Record<string, string>) =>
      audit.push({ actor: RECONCILER_ACTOR, action: AUDIT_ACTIONS.reconcilerRequeue, target, detail: { ...detail, workerId: options.workerId } });
    let after: string | undefined;
    for (;;) {
      const rows = await db.report.findMany({
        where: { status: { in: [...IN_FLIGHT] }, updatedAt: { lt: cutoff }, ...(after ? { id: { gt: after } } : {}) },
        select: { id: true, scheduleId: true },
        orderBy: { id: "asc" },
        take: BATCH,
      });
      if (rows.length === 0) break;
      after = rows.at(-1)!.id;
      const scheduled = new Set(rows.filter((r) => r.scheduleId).map((r) => r.id));
      for (const { id, ended } of await withoutLiveJob(
        queue,
        rows.map((r) => r.id),
      )) {
        // At the priority it was first added with: a scheduled run must not jump ahead of people's clicks.
        await enqueue(queue, "generate-report", { reportId: id }, { jobId: id, priority: scheduled.has(id) ? PRIORITY.scheduled : PRIORITY.interactive });
        await noteReportEvent(
          db,
          id,
          ended ? "Re-queued: its job had ended without finishing the report" : "Re-queued: its job was missing from Redis",
          options.workerId,
        );
        requeue(id, { queue: queue.name, why: ended ? "job ended without finishing the report" : "job missing from Redis" });
        requeued += 1;
      }
      if (rows.length < BATCH) break;
    }
    // Sign-in links still worth sending; few at any time (they expire in minutes and are rate-limited).
    for (const { id } of await withoutLiveJob(signInQueue, await pendingSignInEmailIds(db, cutoff, BATCH))) {
      await addSignInEmailJob(signInQueue, id);
      requeue(id, { queue: signInQueue.name, why: "job missing from Redis" });
      requeued += 1;
    }
    if (options.webhooks) {
      const messages = await requeueWebhookMessages(db, options.webhooks.queue, options.webhooks.retryBaseMs, cutoff, withoutLiveJob);
      if (messages > 0) requeue(`${messages} webhook messages`, { queue: options.webhooks.queue.name, why: "jobs missing from Redis" });
      requeued += messages;
    }
    await recordAudit(db, audit).catch((err) => log.warn({ err: (err as Error).message }, "reconciler could not write its audit entries"));
    if (requeued > 0) {
      log.warn({ requeued }, "reconciler re-queued rows that had no live job");
      options.onRequeued?.(requeued);
    }
    return requeued;
  }

  const timer = setInterval(() => {
    if (running) return;
    running = true;
    tick()
      .catch((err) => log.warn({ err: (err as Error).message }, "reconciler tick failed; will retry"))
      .finally(() => (running = false));
  }, options.intervalMs);
  timer.unref();

  return {
    /** One pass now (tests and start-up). */
    tick,
    async stop() {
      clearInterval(timer);
      await lock?.end().catch(() => {});
      lock = null;
    },
  };
}
