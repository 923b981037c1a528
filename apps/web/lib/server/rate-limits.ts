// Abuse limits, counted in Redis (rate-limiter-flexible) so every web process
// shares them. If Redis is down, each process falls back to counting in memory
// (the library's insurance limiter): limits stay roughly right, requests aren't refused for it.
// Keys are hashed, so Redis holds no email or network addresses.
import "server-only";
import { createHash } from "node:crypto";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { webEnv } from "./env";
import { jsonError } from "./http";
import { publisher } from "./reports";

const LIMITS = {
  reportsPerUser: () => ({ points: webEnv().REPORTS_PER_USER_PER_MINUTE, duration: 60, what: "reports per minute for your account" }),
  reportsPerIp: () => ({ points: webEnv().REPORTS_PER_IP_PER_MINUTE, duration: 60, what: "reports per minute from your network address" }),
  signInPerAddress: () => ({ points: webEnv().SIGN_IN_EMAILS_PER_ADDRESS_PER_HOUR, duration: 3600, what: "sign-in emails per hour to this address" }),
  signInPerIp: () => ({ points: webEnv().SIGN_IN_REQUESTS_PER_IP_PER_HOUR, duration: 3600, what: "sign-in requests per hour from your network address" }),
  downloadLinksPerUser: () => ({ points: webEnv().DOWNLOAD_LINKS_PER_USER_PER_HOUR, duration: 3600, what: "new download links per hour for your account" }),
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

const hashKey = (subject: string) => createHash("sha256").update(subject).digest("base64url").slice(0, 22);

/**
 * Spends one point of each limit; null when all allow it, else a 429 with
 * Retry-After (the longest wait among those exceeded) naming the limit.
 */
export async function spend(checks: [LimitName, string][]): Promise<Response | null> {
  const results = await Promise.all(
    checks.map(([name, subject]) => {
      const key = hashKey(subject);
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
  await Promise.all(results.filter((r) => !r.exceeded).map((r) => limiter(r.name).reward(r.key).catch(() => {})));
  const worst = exceeded.reduce((a, b) => (b.res.msBeforeNext > a.res.msBeforeNext ? b : a));
  const retryAfter = Math.max(1, Math.ceil(worst.res.msBeforeNext / 1000));
  const { points, what } = LIMITS[worst.name]();
  return jsonError(429, `Too many requests: at most ${points} ${what}. Try again in ${retryAfter} s.`, [], { "Retry-After": String(retryAfter) });
}
