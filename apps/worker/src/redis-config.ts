// BullMQ keeps jobs as ordinary keys: a Redis that evicts keys under memory
// pressure silently loses queued work. Say so loudly at start-up.
import { createRedis } from "@backline/queue";
import type { Logger } from "pino";

export async function warnAboutRedisConfig(redisUrl: string, log: Logger): Promise<void> {
  const redis = createRedis(redisUrl, "producer");
  try {
    const [, policy] = (await redis.config("GET", "maxmemory-policy")) as [string, string];
    if (policy !== "noeviction") {
      log.warn({ policy }, `Redis maxmemory-policy is "${policy}"; set it to "noeviction" or Redis may drop queued jobs under memory pressure`);
    }
  } catch {
    // CONFIG is often disabled on managed Redis; nothing to check then.
  } finally {
    redis.disconnect();
  }
}
