// Queue names and their shared options. Reports and sign-in emails live on
// separate queues, each with its own workers and its own share of the mail
// rate (BullMQ's limiter is per queue): a flood of sign-in requests can then
// only fill its own queue, never delay a report. Bulk and scheduled work get
// their own queues (or lower priorities).
import type { DefaultJobOptions } from "bullmq";
import type { JobName } from "./jobs/index.ts";

export const QUEUES = {
  reports: "reports",
  signIn: "sign-in-emails",
  webhooks: "webhooks",
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The one queue each job goes on; enqueue() refuses any other. */
export const JOB_QUEUE = {
  "generate-report": QUEUES.reports,
  "send-sign-in-link": QUEUES.signIn,
  "deliver-webhook": QUEUES.webhooks,
} as const satisfies Record<JobName, QueueName>;

/** BullMQ priority: lower runs first; interactive work always goes ahead of scheduled runs, and those ahead of bulk. (Sign-in links have their own queue; signIn is their priority there.) */
export const PRIORITY = { signIn: 1, interactive: 2, scheduled: 5, bulk: 10 } as const;

/** How a sign-in email's job is added (on QUEUES.signIn), by the web app and the reconciler alike: under its row's id. */
export const signInEmailJobOptions = (signInEmailId: string) => ({ jobId: signInEmailId, priority: PRIORITY.signIn, attempts: 5 });

/**
 * How a webhook message's job is added, by the dispatcher, Resend and the reconciler alike: one job per message and
 * round (`<id>-r<round>`), retried on 5xx and timeouts with doubling waits from `retryBaseMs` — 13 tries from 20 s
 * span about a day (20 s × (2¹² − 1) ≈ 23 h).
 */
export const webhookJobOptions = (messageId: string, round: number, retryBaseMs: number) => ({
  jobId: `${messageId}-r${round}`,
  attempts: 13,
  backoff: { type: "exponential" as const, delay: retryBaseMs, jitter: 0.2 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
});

export const jobOptions = (attempts: number): DefaultJobOptions => ({
  attempts,
  backoff: { type: "exponential", delay: 2000, jitter: 0.5 },
  // Postgres keeps the history; Redis only needs recent jobs for inspection.
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
});
