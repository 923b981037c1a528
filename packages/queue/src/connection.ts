// Redis connections, following BullMQ's production guidance: producers fail
// fast (a web request must never hang on Redis), workers wait and reconnect.
import { redactUrl } from "@backline/config";
import { Redis, type RedisOptions } from "ioredis";

export type ConnectionRole = "producer" | "worker";

function redisOptions(role: ConnectionRole): RedisOptions {
  return role === "producer"
    ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 }
    : { maxRetriesPerRequest: null, enableReadyCheck: true };
}

export function createRedis(url: string, role: ConnectionRole): Redis {
  return new Redis(url, redisOptions(role));
}

/**
 * Start-up check. Resolves to null when Redis answers PING, or to one line
 * naming the setting and what went wrong. Never waits longer than timeoutMs.
 */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  redis.on("error", () => {}); // reported below instead
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (err) {
    return `Cannot reach Redis at REDIS_URL=${redactUrl(url)}: ${(err as Error).message || String(err)}`;
  } finally {
    redis.disconnect();
  }
}
