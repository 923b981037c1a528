// The typed enqueue helper. Payloads are validated here, before anything
// reaches Redis, and the job id is the report id so an id is enqueued once.
import { Queue, type JobsOptions } from "bullmq";
import { createRedis } from "./connection.ts";
import { jobs, type JobName, type JobPayload } from "./jobs/index.ts";
import { PRIORITY, QUEUES, jobOptions, type QueueName } from "./queues.ts";

export interface QueueSettings {
  redisUrl: string;
  prefix: string;
  /** JOB_ATTEMPTS; 3 when not given. */
  attempts?: number;
}

export function createProducerQueue(name: QueueName, settings: QueueSettings): Queue {
  const queue = new Queue(name, {
    connection: createRedis(settings.redisUrl, "producer"),
    prefix: settings.prefix,
    defaultJobOptions: jobOptions(settings.attempts ?? 3),
  });
  // Errors surface on the awaited add(); this only keeps them off stderr spam.
  queue.on("error", () => {});
  return queue;
}

export class InvalidJobPayloadError extends Error {
  override name = "InvalidJobPayloadError";
}

/** Validates and adds a job. Its BullMQ id is `jobId` (the report id). */
export async function enqueue<N extends JobName>(
  queue: Queue,
  name: N,
  payload: JobPayload<N>,
  options: { jobId: string; priority?: number } & Omit<JobsOptions, "jobId" | "priority">,
) {
  const parsed = jobs[name].payload.safeParse(payload);
  if (!parsed.success) {
    throw new InvalidJobPayloadError(`Invalid ${name} payload: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}`);
  }
  return queue.add(name, parsed.data, { priority: PRIORITY.interactive, ...options });
}

export { QUEUES };
