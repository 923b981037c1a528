// A rate shared by every worker process: at most `limit` sends per second per
// key, counted in Redis in one-second windows. One script checks every key
// and takes a slot from all of them, or from none — so a campaign's own cap
// and the campaigns' share of MAIL_MAX_PER_SECOND hold together, across
// machines. (Reports and sign-in links have their share through BullMQ's
// limiter on their queues.) The keys are passed whole, so on a Redis Cluster
// they only need the prefix's hash tag to share a slot.
import type { Redis } from "ioredis";

const TAKE = `
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then return 0 end
end
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], 2000)
end
return 1`;

export interface RateLimit {
  /** e.g. `campaigns`, `campaign:<id>` (under the queue prefix). */
  name: string;
  perSecond: number;
}

/** Takes one send from every limit; resolves once it could (waiting for the next second while they are full). */
export async function takeSendSlot(redis: Redis, prefix: string, limits: RateLimit[], signal?: AbortSignal): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    const now = Date.now();
    const second = Math.floor(now / 1000);
    const keys = limits.map((l) => `${prefix}:send-rate:${l.name}:${second}`);
    const taken = await redis.eval(TAKE, keys.length, ...keys, ...limits.map((l) => String(l.perSecond)));
    if (taken === 1) return;
    await new Promise((resolve) => setTimeout(resolve, 1000 - (now % 1000) + Math.floor(Math.random() * 20)));
  }
}
