// How many live status streams may be open. Each open stream holds a socket,
// a subscription listener and two timers in this process, so:
// - per process (MAX_STREAMS_PER_PROCESS): a plain counter; beyond it → 503.
//   This is the bound that protects the process whoever asks.
// - per account (MAX_STREAMS_PER_USER), across every web process: a Redis
//   sorted set per account of leases (member = lease id, score = when it
//   lapses, by Redis' own clock). Opening a stream drops lapsed leases, counts
//   the rest and adds one, in one script; an open stream renews its lease at
//   each session check; closing removes it. A process that dies leaves leases
//   that lapse within LEASE_MS, so a crash never locks an account out for long.
//   Beyond the cap → 429 with Retry-After.
// If Redis can't be asked, the account cap is not enforced for that stream
// (the per-process cap still is): a Redis blip must not end live pages.
import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { webEnv } from "./env";
import { jsonError } from "./http";
import { publisher } from "./reports";

export interface StreamSlot {
  /** Keeps the account lease alive; call at least every LEASE_MS / 3. */
  renew(): Promise<void>;
  /** Frees the slot (idempotent). */
  release(): Promise<void>;
}

const globalForStreams = globalThis as unknown as { backlineOpenStreams?: { count: number } };
const open = (globalForStreams.backlineOpenStreams ??= { count: 0 });

/** Streams open in this process right now (for tests and metrics). */
export const openStreams = () => open.count;

/** How long a lease outlives its last renewal: three session checks, at least 30 s. */
const leaseMs = () => Math.max(30_000, 3 * webEnv().STREAM_SESSION_CHECK_SECONDS * 1000);

const userKey = (userId: string) => `${webEnv().QUEUE_PREFIX}:streams:${createHash("sha256").update(userId).digest("base64url").slice(0, 22)}`;

// KEYS[1] the account's leases; ARGV: lease id, cap, lease ms. Returns 1 if taken, 0 if the account is at its cap.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1`;

// Re-adds a lapsed lease too: the stream is still open, so it still counts.
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1`;

/**
 * A slot for one more live stream of `userId`, or the refusal to answer with
 * (503 when this process is full, 429 when the account is).
 */
export async function openStreamSlot(userId: string): Promise<{ slot: StreamSlot } | { response: Response }> {
  const env = webEnv();
  if (open.count >= env.MAX_STREAMS_PER_PROCESS) {
    return { response: jsonError(503, "Too many live updates open on this server; try again shortly", [], { "Retry-After": "10" }) };
  }
  // Taken before the first await, so concurrent requests can't all pass the check.
  open.count += 1;
  const key = userKey(userId);
  const lease = randomUUID();
  const ttl = leaseMs();
  let leased = false;
  try {
    const taken = await publisher().eval(ACQUIRE, 1, key, lease, env.MAX_STREAMS_PER_USER, ttl);
    if (taken !== 1) {
      open.count -= 1;
      const retryAfter = Math.ceil(ttl / 1000);
      return {
        response: jsonError(
          429,
          `Too many live updates open: at most ${env.MAX_STREAMS_PER_USER} at once for your account. Close another tab or try again in ${retryAfter} s.`,
          [],
          { "Retry-After": String(retryAfter) },
        ),
      };
    }
    leased = true;
  } catch (err) {
    console.warn(`[streams] Redis unavailable; account stream cap not applied to this stream: ${(err as Error).message}`);
  }
  let released = false;
  return {
    slot: {
      async renew() {
        if (released || !leased) return;
        await publisher()
          .eval(RENEW, 1, key, lease, ttl)
          .catch(() => {});
      },
      async release() {
        if (released) return;
        released = true;
        open.count -= 1;
        if (leased)
          await publisher()
            .zrem(key, lease)
            .catch(() => {});
      },
    },
  };
}
