// Whether a row's job is alive in Redis, read the cheap way: one pipelined HMGET
// of each job hash's `name` and `finishedOn` (the hash under queue.toKey(id),
// which carries the queue's prefix). Live: the hash exists and the job has not
// finished. The reconciler gives rows without a live job their job back; the
// admin console lists them as stuck.
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";

export interface JobLiveness {
  id: string;
  /** Its job exists and has not finished. */
  live: boolean;
  /** Its job exists and has finished (so it is not live though its row may say otherwise). */
  ended: boolean;
}

/** Each id's job on `queue`, in the order given. One round trip, on any connection to the queue's Redis. */
export async function jobLiveness(redis: Redis, queue: Queue, ids: string[]): Promise<JobLiveness[]> {
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hmget(queue.toKey(id), "name", "finishedOn");
  const answers = (await pipeline.exec()) ?? [];
  return ids.map((id, i) => {
    const [error, fields] = answers[i] ?? [null, null];
    if (error) throw error;
    const [name, finishedOn] = (fields as (string | null)[] | undefined) ?? [null, null];
    return { id, live: Boolean(name && !finishedOn), ended: Boolean(name) && Boolean(finishedOn) };
  });
}
