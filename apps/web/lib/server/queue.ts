// The producer side of the queues: one fail-fast connection per queue per process.
// Reports and sign-in emails go on separate queues (@backline/queue QUEUES), so a
// flood of sign-in requests never waits in front of a report.
import "server-only";
import { QUEUES, createProducerQueue } from "@backline/queue";
import type { Queue } from "bullmq";
import { webEnv } from "./env";

const globalForQueue = globalThis as unknown as { backlineReportsQueue?: Queue; backlineSignInQueue?: Queue };

export function reportsQueue(): Queue {
  const env = webEnv();
  return (globalForQueue.backlineReportsQueue ??= createProducerQueue(QUEUES.reports, {
    redisUrl: env.REDIS_URL,
    prefix: env.QUEUE_PREFIX,
    attempts: env.JOB_ATTEMPTS,
  }));
}

/** Where sendMagicLink (auth.ts) adds each sign-in email's job. */
export function signInQueue(): Queue {
  const env = webEnv();
  return (globalForQueue.backlineSignInQueue ??= createProducerQueue(QUEUES.signIn, { redisUrl: env.REDIS_URL, prefix: env.QUEUE_PREFIX }));
}

/** Closes whichever producer queues this process opened (tests). */
export async function closeQueues(): Promise<void> {
  const open = [globalForQueue.backlineReportsQueue, globalForQueue.backlineSignInQueue];
  globalForQueue.backlineReportsQueue = globalForQueue.backlineSignInQueue = undefined;
  await Promise.all(open.map((q) => q?.close()));
}
