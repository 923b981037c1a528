// A test stack's Redis state: its queue prefix, removing everything under it,
// and reading its jobs through BullMQ's own Queue (no hard-coded key layout).
import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";

/** A QUEUE_PREFIX no other test run uses: `backline-<label>-<time><random>`. */
export const uniqueQueuePrefix = (label = "test") => `backline-${label}-${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

/**
 * Deletes every Redis key under a test stack's QUEUE_PREFIX, `<prefix>:*`: the
 * queues' jobs, events and meta (obliterate() leaves keys that workers write
 * while they shut down, and refuses while one still holds a lock) and what the
 * web keeps under the same prefix (rate-limit counters, stream leases). Only a
 * test prefix (`backline-…`, as uniqueQueuePrefix makes) is accepted, never the
 * production default.
 */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  if (!/^backline-[\w.-]+$/.test(prefix)) throw new Error(`refusing to delete the keys of "${prefix}", not a test queue prefix`);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 3000 });
  redis.on("error", () => {}); // the command below reports it
  try {
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** Which jobs one queue of a stack holds, read with BullMQ's Queue.getJob. */
export interface QueueJobs {
  /** Ids (job ids) that have a job at all, finished or not. */
  present(ids: readonly string[]): Promise<Set<string>>;
  /** Ids that have a job not finished yet (waiting, delayed, active). */
  live(ids: readonly string[]): Promise<Set<string>>;
  close(): Promise<void>;
}

const BATCH = 500;

/**
 * A read-only view of queue `name` under `prefix`, on a connection the caller
 * owns (it is shared, not closed here: a client that reconnects quickly after a
 * Redis restart keeps working across it).
 */
export function queueJobs(connection: Redis, prefix: string, name: string): QueueJobs {
  const queue = new Queue(name, { connection, prefix });
  queue.on("error", () => {}); // Redis going away is what chaos does on purpose; each read reports its own failure
  const jobs = async (ids: readonly string[]) => {
    const found: { id: string; name: string | undefined; finishedOn: number | undefined }[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      const read = await Promise.all(batch.map((id) => queue.getJob(id)));
      read.forEach((job, j) => {
        if (job) found.push({ id: batch[j]!, name: job.name, finishedOn: job.finishedOn });
      });
    }
    return found;
  };
  return {
    present: async (ids) => new Set((await jobs(ids)).map((j) => j.id)),
    live: async (ids) => new Set((await jobs(ids)).filter((j) => j.name && !j.finishedOn).map((j) => j.id)),
    close: () => queue.close(),
  };
}
