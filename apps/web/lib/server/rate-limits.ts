// Abuse limits, counted in Redis (rate-limiter-flexible) so every web process
// shares them. If Redis is down, each process falls back to counting in memory
// (the library's insurance limiter): limits stay roughly right, requests aren't refused for it.
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
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
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

const globalForLimits = globalThis as unknown as { backlineLimiters?: Map<LimitName, RateLimiterRedis> };

function limiter(name: LimitName): RateLimiterRedis {
  const limiters = (globalForLimits.backlineLimiters ??= new Map());
  let limiter = limiters.get(name);
  if (!limiter) {
    const { points, duration } = LIMITS[name]();
    limiter = new RateLimiterRedis({
      storeClient: publisher(),
      keyPrefix: `${webEnv().QUEUE_PREFIX}:rate:${name}`,
      points,
      duration,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points, duration }),
    });
    limiters.set(name, limiter);
  }
  return limiter;
}

/**
 * A process's first requests would otherwise be counted only in memory (the
 * limiter takes Redis as down until its connection is ready): a fresh web
 * process, or a flood arriving as it starts, would get a free point per
 * limit. So wait for the first connection, briefly; a Redis that is really
 * down (reconnecting) is not waited for.
 */
async function firstConnection(timeoutMs = 1000): Promise<void> {
  const redis = publisher();
  if (!["wait", "connecting", "connect"].includes(redis.status)) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([once(redis, "ready"), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]).catch(() => {});
  clearTimeout(timer);
}

const hashKey = (subject: string) => createHash("sha256").update(subject).digest("base64url").slice(0, 22);

/**
 * Spends one point of each limit; null when all allow it, else a 429 with
 * Retry-After (the longest wait among those exceeded) naming the limit.
 */
export async function spend(checks: [LimitName, string][]): Promise<Response | null> {
  await firstConnection();
  const results = await Promise.all(
    checks.map(([name, subject]) => {
      const key = hashKey(LIMITS[name]().key?.(subject) ?? subject);
      return limiter(name)
        .consume(key)
        .then(
          () => ({ name, key, exceeded: null }),
          (res: unknown) => ({ name, key, exceeded: res instanceof RateLimiterRes ? res : null }),
        );
    }),
  );
  const exceeded = results.flatMap((r) => (r.exceeded ? [{ name: r.name, res: r.exceeded }] : []));
  if (exceeded.length === 0) return null;
  // A refused request costs nothing against the limits that allowed it.
  await Promise.all(
    results
      .filter((r) => !r.exceeded)
      .map((r) =>
        limiter(r.name)
          .reward(r.key)
          .catch(() => {}),
      ),
  );
  const worst = exceeded.reduce((a, b) => (b.res.msBeforeNext > a.res.msBeforeNext ? b : a));
  const retryAfter = Math.max(1, Math.ceil(worst.res.msBeforeNext / 1000));
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
