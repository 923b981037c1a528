import { randomBytes } from "node:crypto";

/** A Redis key prefix no other test run uses. */
export const uniqueQueuePrefix = (label = "test") => `backline-${label}-${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

/** Polls `probe` until it returns a truthy value; generous timeouts keep a busy 2-core machine from flaking. */
export async function waitUntil<T>(
  probe: () => Promise<T | null | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 100, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Deletes every Redis key under a test's queue prefix (jobs, events, meta) —
 * obliterate() leaves keys that workers write while they shut down.
 */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}
