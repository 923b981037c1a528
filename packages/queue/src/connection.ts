// Redis connections, following BullMQ's production guidance: producers fail
// fast (a web request must never hang on Redis), workers wait and reconnect;
// subscribers wait too, without ioredis's ready check (see below).
import { redactUrl } from "@backline/config";
import { Redis, type RedisOptions } from "ioredis";

export type ConnectionRole = "producer" | "worker" | "subscriber";

const ROLE_OPTIONS: Record<ConnectionRole, RedisOptions> = {
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 },
  worker: { maxRetriesPerRequest: null, enableReadyCheck: true },
  // For connections that only SUBSCRIBE. ioredis writes a SUBSCRIBE made just after
  // connecting before its ready check (the command is allowed while Redis loads);
  // the check's INFO is then refused in subscriber mode and the connection fails
  // and reconnects, over and over if subscribes keep coming. No check, no race.
  subscriber: { maxRetriesPerRequest: null, enableReadyCheck: false },
};

export function createRedis(url: string, role: ConnectionRole): Redis {
  return new Redis(url, ROLE_OPTIONS[role]);
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
