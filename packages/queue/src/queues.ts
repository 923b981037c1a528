// Queue names and their shared options. One queue for interactive reports
// today; bulk and scheduled work get their own queues (or lower priorities).
import type { DefaultJobOptions } from "bullmq";

export const QUEUES = {
  reports: "reports",
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** BullMQ priority: lower runs first. Someone waiting to sign in goes first; interactive work always goes ahead of bulk. */
export const PRIORITY = { signIn: 1, interactive: 2, bulk: 10 } as const;

/** How a sign-in email's job is added, by the web app and the reconciler alike: first in line, under its row's id. */
export const signInEmailJobOptions = (signInEmailId: string) => ({ jobId: signInEmailId, priority: PRIORITY.signIn, attempts: 5 });

export const jobOptions = (attempts: number): DefaultJobOptions => ({
  attempts,
  backoff: { type: "exponential", delay: 2000, jitter: 0.5 },
  // Postgres keeps the history; Redis only needs recent jobs for inspection.
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
});
