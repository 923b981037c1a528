// Removing a bench queue from Redis. Every key BullMQ writes for a queue
// starts with `<prefix>:<queue>:`, and each bench prefix is unique to one run,
// so deleting `<prefix>*` removes exactly what the bench created (jobs,
// events stream, meta, the repeat/limiter keys) — more thoroughly than
// Queue.obliterate(), which refuses while a worker still holds a job lock.
import { Redis } from "ioredis";

export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  if (!/^backline-bench-/.test(prefix)) throw new Error(`refusing to delete keys of non-bench prefix "${prefix}"`);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 3000 });
  let deleted = 0;
  try {
    let cursor = "0";
    // Bounded: SCAN walks the keyspace once; the bench's own keys are a few thousand.
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== "0");
    return deleted;
  } finally {
    redis.disconnect();
  }
}
