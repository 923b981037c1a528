// The producer side of the reports queue: one fail-fast connection per process.
import "server-only";
import { QUEUES, createProducerQueue } from "@backline/queue";
import type { Queue } from "bullmq";
import { webEnv } from "./env";

const globalForQueue = globalThis as unknown as { backlineReportsQueue?: Queue };

export function reportsQueue(): Queue {
  const env = webEnv();
  return (globalForQueue.backlineReportsQueue ??= createProducerQueue(QUEUES.reports, { redisUrl: env.REDIS_URL, prefix: env.QUEUE_PREFIX, attempts: env.JOB_ATTEMPTS }));
}
