// The typed enqueue helper. Payloads are validated here, before anything
// reaches Redis, and the job id is the report id so an id is enqueued once.
import { describeIssues } from "@backline/config";
import { Queue, type JobsOptions } from "bullmq";
import { createRedis } from "./connection.ts";
import { jobs, type JobName, type JobPayload } from "./jobs/index.ts";
import { JOB_QUEUE, PRIORITY, jobOptions, type QueueName } from "./queues.ts";

export interface QueueSettings {
  redisUrl: string;
  prefix: string;
  /** JOB_ATTEMPTS; 3 when not given. */
  attempts?: number;
}

export function createProducerQueue(name: QueueName, settings: QueueSettings): Queue {
  const connection = createRedis(settings.redisUrl, "producer");
  const queue = new Queue(name, { connection, prefix: settings.prefix, defaultJobOptions: jobOptions(settings.attempts ?? 3) });
  // Errors surface on the awaited add(); this only keeps them off stderr spam.
  queue.on("error", () => {});
  connection.on("error", () => {});
  // BullMQ leaves a connection it was given open on close(); this one is the queue's own, so it goes with it
  // (else it keeps reconnecting to a Redis that went away).
  const close = queue.close.bind(queue);
  queue.close = async () => {
    try {
      await close();
    } finally {
      connection.disconnect();
    }
  };
  return queue;
}

export class InvalidJobPayloadError extends Error {
  override name = "InvalidJobPayloadError";
}

/** A job added to a queue that isn't its own (JOB_QUEUE): it would run under the other queue's limiter. */
export class WrongQueueError extends Error {
  override name = "WrongQueueError";
}

/** How long a producer waits for Redis before giving up on an add. */
export const ENQUEUE_TIMEOUT_MS = 2000;

/**
 * Validates and adds a job. Its BullMQ id is `jobId` (the report id). Never
 * waits more than ENQUEUE_TIMEOUT_MS: BullMQ waits for a connection that is
 * still being (re)established, and a web request must not hang on that.
 */
export async function enqueue<N extends JobName>(
  queue: Queue,
  name: N,
  payload: JobPayload<N>,
  options: { jobId: string; priority?: number } & Omit<JobsOptions, "jobId" | "priority">,
) {
  if (queue.name !== JOB_QUEUE[name]) throw new WrongQueueError(`${name} jobs go on the "${JOB_QUEUE[name]}" queue, not "${queue.name}"`);
  const parsed = jobs[name].payload.safeParse(payload);
  if (!parsed.success) {
    throw new InvalidJobPayloadError(`Invalid ${name} payload: ${describeIssues(parsed.error.issues)}`);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms; check REDIS_URL`)), ENQUEUE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([queue.add(name, parsed.data, { priority: PRIORITY.interactive, ...options }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
