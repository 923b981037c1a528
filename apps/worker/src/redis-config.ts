// BullMQ keeps jobs as ordinary keys: a Redis that evicts keys under memory
// pressure silently loses queued work. Say so loudly at start-up.
import { createRedis } from "@backline/queue";
import type { Logger } from "pino";

const CHECK_TIMEOUT_MS = 5000;

export async function warnAboutRedisConfig(redisUrl: string, log: Logger): Promise<void> {
  // A connection that waits until it is ready (a producer one fails a command sent while
  // it is still connecting, which made this check silently never run), bounded here.
  const redis = createRedis(redisUrl, "worker");
  try {
    const reply = redis.config("GET", "maxmemory-policy") as Promise<[string, string]>;
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS).unref());
    const [, policy] = await Promise.race([reply, timeout]);
    if (policy !== "noeviction") {
      log.warn({ policy }, `Redis maxmemory-policy is "${policy}"; set it to "noeviction" or Redis may drop queued jobs under memory pressure`);
    }
  } catch {
    // CONFIG is often disabled on managed Redis; nothing to check then.
  } finally {
    redis.disconnect();
  }
}
