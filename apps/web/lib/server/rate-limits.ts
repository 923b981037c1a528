// Abuse limits, counted in Redis so every web process shares them: all of a
// request's limits in one round trip (one script, atomic). If Redis is down,
// each process falls back to counting in memory (rate-limiter-flexible's
// memory limiter): limits stay roughly right, requests aren't refused for it.
// Keys are hashed, so Redis holds no email or network addresses.
//
// What is counted is normalised first (../limit-keys.ts), so a limit can't be
// dodged by respelling: an address counts as its mailbox (no +tag, case, or
// gmail dots), an IPv6 client as its /64 (and, for sign-in, its /48 too).
// Sign-in emails are also limited per recipient domain and in all, per minute
// (SIGN_IN_EMAILS_PER_MINUTE): a flood from many networks to many mailboxes
// then costs the sender at most that many emails a minute. The price is that
// during such a flood new sign-ins wait their turn (429 + Retry-After); signed-in
// people (sessions last 30 days) and reports are unaffected.
import "server-only";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { isIPv6 } from "node:net";
import type { Redis } from "ioredis";
import { RateLimiterMemory, type RateLimiterRes } from "rate-limiter-flexible";
import { webEnv } from "./env";
import { mailboxKey, networkKey } from "../limit-keys";
import { jsonError } from "./http";
import { publisher } from "./reports";

/** Each limit's size, and how a subject becomes its counter's key (before hashing). */
interface Limit {
  points: number;
  duration: number;
  what: string;
  key?: (subject: string) => string;
}

const LIMITS = {
  reportsPerUser: (): Limit => ({ points: webEnv().REPORTS_PER_USER_PER_MINUTE, duration: 60, what: "reports per minute for your account" }),
  reportsPerIp: (): Limit => ({
    points: webEnv().REPORTS_PER_IP_PER_MINUTE,
    duration: 60,
    what: "reports per minute from your network address",
    key: (ip) => networkKey(ip, 64),
  }),
  signInPerAddress: (): Limit => ({
    points: webEnv().SIGN_IN_EMAILS_PER_ADDRESS_PER_HOUR,
    duration: 3600,
    what: "sign-in emails per hour to this address",
    key: (email) => mailboxKey(email).address,
  }),
  signInPerDomain: (): Limit => ({
    points: webEnv().SIGN_IN_EMAILS_PER_DOMAIN_PER_HOUR,
    duration: 3600,
    what: "sign-in emails per hour to this address's domain",
    key: (email) => mailboxKey(email).domain,
  }),
  signInPerIp: (): Limit => ({
    points: webEnv().SIGN_IN_REQUESTS_PER_IP_PER_HOUR,
    duration: 3600,
    what: "sign-in requests per hour from your network address",
    key: (ip) => networkKey(ip, 64),
  }),
  signInPerIpv6Site: (): Limit => ({
    points: webEnv().SIGN_IN_REQUESTS_PER_IPV6_48_PER_HOUR,
    duration: 3600,
    what: "sign-in requests per hour from your network",
    key: (ip) => networkKey(ip, 48),
  }),
  signInGlobal: (): Limit => ({
    points: webEnv().SIGN_IN_EMAILS_PER_MINUTE,
    duration: 60,
    what: "sign-in emails per minute in all (many are being asked for right now)",
  }),
  downloadLinksPerUser: (): Limit => ({
    points: webEnv().DOWNLOAD_LINKS_PER_USER_PER_HOUR,
    duration: 3600,
    what: "new download links per hour for your account",
  }),
};
export type LimitName = keyof typeof LIMITS;

/**
 * Spends one point of each of a request's limits in one round trip, atomically: for each key, a counter that
 * lives `duration` seconds from its first point (the fixed window rate-limiter-flexible kept, under the same
 * keys); if any is over its points, the others get theirs back at once (a refused request costs nothing
 * against the limits that allowed it). Answers, per key, the points consumed and the ms left in its window.
 */
const SPEND_LUA = `
local n = #KEYS
local consumed, ttl = {}, {}
local exceeded = false
for i = 1, n do
  local points, duration = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  redis.call('set', KEYS[i], 0, 'EX', duration, 'NX')
  consumed[i] = redis.call('incr', KEYS[i])
  ttl[i] = redis.call('pttl', KEYS[i])
  if ttl[i] == -1 then
    redis.call('expire', KEYS[i], duration)
    ttl[i] = 1000 * duration
  end
  if consumed[i] > points then exceeded = true end
end
if exceeded then
  for i = 1, n do
    if consumed[i] <= tonumber(ARGV[2 * i - 1]) then redis.call('decr', KEYS[i]) end
  end
end
local out = {}
for i = 1, n do
  out[2 * i - 1] = consumed[i]
  out[2 * i] = ttl[i]
end
return out`;

type SpendingRedis = Redis & { backlineSpendLimits(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<number[]> };

function spendingRedis(): SpendingRedis {
  const redis = publisher() as SpendingRedis;
  if (typeof redis.backlineSpendLimits !== "function") redis.defineCommand("backlineSpendLimits", { lua: SPEND_LUA });
  return redis;
}

const globalForLimits = globalThis as unknown as { backlineInsurance?: Map<LimitName, RateLimiterMemory> };

/** While Redis is down, each process counts in memory (roughly right: per process), rather than refusing people for it. */
function insurance(name: LimitName): RateLimiterMemory {
  const limiters = (globalForLimits.backlineInsurance ??= new Map());
  let limiter = limiters.get(name);
  if (!limiter) {
    const { points, duration } = LIMITS[name]();
    limiter = new RateLimiterMemory({ points, duration });
    limiters.set(name, limiter);
  }
  return limiter;
}

/**
 * A process's first requests would otherwise be counted only in memory (Redis
 * is taken as down until its connection is ready): a fresh web process, or a
 * flood arriving as it starts, would get a free point per limit. So wait for
 * the first connection, briefly; a Redis that is really down (reconnecting) is
 * not waited for.
 */
async function firstConnection(timeoutMs = 1000): Promise<void> {
  const redis = publisher();
  if (!["wait", "connecting", "connect"].includes(redis.status)) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([once(redis, "ready"), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]).catch(() => {});
  clearTimeout(timer);
}

const hashKey = (subject: string) => createHash("sha256").update(subject).digest("base64url").slice(0, 22);

interface Spent {
  name: LimitName;
  /** Points consumed in the window, this one included. */
  consumed: number;
  msBeforeNext: number;
}

/** Counted in Redis (one script for all of them); null when Redis can't be asked. */
async function spendInRedis(checks: { name: LimitName; key: string }[]): Promise<Spent[] | null> {
  const redis = spendingRedis();
  if (redis.status !== "ready") return null;
  const prefix = `${webEnv().QUEUE_PREFIX}:rate`;
  const keys = checks.map((c) => `${prefix}:${c.name}:${c.key}`);
  const args = checks.flatMap((c) => {
    const { points, duration } = LIMITS[c.name]();
    return [points, duration];
  });
  try {
    const out = await redis.backlineSpendLimits(keys.length, ...keys, ...args);
    return checks.map((c, i) => ({ name: c.name, consumed: Number(out[2 * i]), msBeforeNext: Math.max(0, Number(out[2 * i + 1])) }));
  } catch {
    return null;
  }
}

/** Counted in this process's memory (Redis down): the same rules, per process. */
async function spendInMemory(checks: { name: LimitName; key: string }[]): Promise<Spent[]> {
  const results = await Promise.all(
    checks.map(({ name, key }) =>
      insurance(name)
        .consume(key)
        .then(
          (res) => ({ name, key, res, exceeded: false }),
          (res: unknown) => ({ name, key, res: res as RateLimiterRes, exceeded: true }),
        ),
    ),
  );
  if (results.some((r) => r.exceeded)) {
    await Promise.all(
      results
        .filter((r) => !r.exceeded)
        .map((r) =>
          insurance(r.name)
            .reward(r.key)
            .catch(() => {}),
        ),
    );
  }
  return results.map((r) => ({ name: r.name, consumed: r.res.consumedPoints, msBeforeNext: r.res.msBeforeNext }));
}

/**
 * Spends one point of each limit; null when all allow it, else a 429 with
 * Retry-After (the longest wait among those exceeded) naming the limit.
 */
export async function spend(checks: [LimitName, string][]): Promise<Response | null> {
  await firstConnection();
  const keyed = checks.map(([name, subject]) => ({ name, key: hashKey(LIMITS[name]().key?.(subject) ?? subject) }));
  const spent = (await spendInRedis(keyed)) ?? (await spendInMemory(keyed));
  const exceeded = spent.filter((s) => s.consumed > LIMITS[s.name]().points);
  if (exceeded.length === 0) return null;
  const worst = exceeded.reduce((a, b) => (b.msBeforeNext > a.msBeforeNext ? b : a));
  const retryAfter = Math.max(1, Math.ceil(worst.msBeforeNext / 1000));
  const { points, what } = LIMITS[worst.name]();
  return jsonError(429, `Too many requests: at most ${points} ${what}. Try again in ${retryAfter} s.`, [], { "Retry-After": String(retryAfter) });
}

/**
 * The limits one sign-in request spends: its client's network (IPv6: the /64,
 * and the /48 more loosely), the mailbox and its domain, and the global cap on
 * sign-in emails per minute.
 */
export function signInLimits(email: string, ip: string): [LimitName, string][] {
  return [
    ["signInPerIp", ip],
    ...(isIPv6(ip) ? [["signInPerIpv6Site", ip] as [LimitName, string]] : []),
    ["signInPerAddress", email],
    ["signInPerDomain", email],
    ["signInGlobal", "all"],
  ];
}
