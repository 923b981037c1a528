// Environment parsing, once per process. Each concern owns a small zod schema;
// apps compose the ones they need (web: database + redis + app; worker: all).
import { existsSync } from "node:fs";
import path from "node:path";
import { config as loadDotenvFile } from "dotenv";
import { z } from "zod";
import { describeIssues } from "./field-issues.ts";
import { finishRedisSettings, isRedisUrl, parseClusterRedisUrl, parseRedisNode } from "./redis-target.ts";

export { describeIssues, issuesLine, toFieldIssues, type FieldIssue } from "./field-issues.ts";
export {
  clusterNodesText,
  clusterRedisUrl,
  hashTagOf,
  parseClusterRedisUrl,
  parseRedisNode,
  withHashTag,
  type RedisClusterAddress,
  type RedisNode,
} from "./redis-target.ts";

export const databaseEnv = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgresql:// URL" }).default("postgresql://postgres@127.0.0.1:5432/backline"),
});

export const redisEnv = z.object({
  /**
   * One Redis; with REDIS_CLUSTER_NODES only its user, password and rediss:// count, and parseEnv turns it into the
   * cluster's address (`redis://user:pass@host:port,host:port`, redis-target.ts), which is a valid REDIS_URL too.
   */
  REDIS_URL: z
    .string()
    .default("redis://127.0.0.1:6379")
    .refine((value) => isRedisUrl(value) || parseClusterRedisUrl(value) !== null, { error: "must be a redis:// or rediss:// URL" }),
  /** A Redis Cluster's seed nodes, `host:port,host:port,…`; when set it replaces REDIS_URL's host (empty: one Redis at REDIS_URL). */
  REDIS_CLUSTER_NODES: z
    .string()
    .default("")
    .transform((value, ctx) => {
      const nodes = value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => parseRedisNode(s));
      if (nodes.every((n) => n !== null)) return nodes;
      ctx.addIssue({ code: "custom", message: "must be host:port pairs separated by commas, e.g. 10.0.0.1:7000,10.0.0.2:7000" });
      return z.NEVER;
    }),
  /** Key prefix of every queue, so two stacks can share one Redis. On a cluster, one without a hash tag is used as `{QUEUE_PREFIX}`. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_{}-]+$/, "letters, digits, : _ - { } only")
    .default("backline"),
  /** Attempts per report job before it is marked Failed (transient failures only). */
  JOB_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
});

export const appEnv = z.object({
  APP_URL: z.url().default("http://localhost:3000"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Relative paths are resolved against the repository root, whichever app's folder a process starts in. */
  REPORTS_DIR: z
    .string()
    .min(1)
    .default("./var/reports")
    .transform((dir) => path.resolve(repoRoot(), dir)),
  /**
   * Web processes `npm run start:web` runs behind its one port (Node's cluster module, apps/web/server.mjs):
   * a number, or `auto` for one per CPU core. 1: a single process, no cluster.
   */
  WEB_PROCESSES: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.union([z.literal("auto"), z.coerce.number().int().min(1).max(64)], { error: "must be auto or a whole number from 1 to 64" }).default(1),
  ),
});

/** A secret shared by every process that needs it; never defaulted, so a deployment can't run on a published value. */
const secret = (name: string) =>
  z.preprocess(
    (value) => (value === "" ? undefined : value), // `NAME=` is as missing as no line at all
    z
      .string({ error: `${name} is missing: set it to at least 32 random characters (openssl rand -base64 32); \`npm run up\` writes one to .env` })
      .min(32, `${name} must be at least 32 characters`),
  );

const commaList = z
  .string()
  .default("")
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

export const authEnv = z.object({
  /** Signs session cookies (Better Auth). */
  AUTH_SECRET: secret("AUTH_SECRET"),
  /** These addresses are admins: they may see and act on every report. */
  ADMIN_EMAILS: commaList.transform((list) => list.map((e) => e.toLowerCase())),
  /** How long a sign-in link works. */
  SIGN_IN_LINK_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  /** Who may create an account (sign-up-policy.ts in apps/web): addresses at these domains, besides invitations and ADMIN_EMAILS. */
  ALLOWED_EMAIL_DOMAINS: commaList
    .transform((list) => list.map((d) => d.toLowerCase().replace(/^@/, "")))
    .refine(
      (list) => list.every((d) => /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(d)),
      "comma-separated domain names, e.g. example.com,example.org",
    ),
  /** true: any address may create an account; false: only ALLOWED_EMAIL_DOMAINS, invitations and ADMIN_EMAILS; unset: open only on a local APP_URL. */
  ALLOW_OPEN_SIGN_UP: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z
      .enum(["true", "false"], { error: "must be true or false" })
      .transform((v) => v === "true")
      .optional(),
  ),
  /** A session unused for this long ends (besides its 30-day absolute lifetime). */
  SESSION_IDLE_TIMEOUT_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24)
    .default(72),
  /**
   * How long a web process may answer from its memory of a verified session or API token. Sign-out, removing a
   * user and revoking a token reach every web process at once (Redis pub/sub); this bounds anything else (a
   * row changed by hand, a lost message). 0: every request reads the database.
   */
  SESSION_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
});

/** Whether APP_URL names this machine only (localhost, *.localhost, 127.x, ::1): nobody else can reach a sign-in page there. */
export function isLocalAppUrl(appUrl: string): boolean {
  const host = new URL(appUrl).hostname.toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || /^127(\.\d{1,3}){3}$/.test(host) || host === "[::1]";
}

type SignUpSettings = { APP_URL: string; ALLOWED_EMAIL_DOMAINS: string[]; ALLOW_OPEN_SIGN_UP?: boolean | undefined };

/** Whether anyone may create an account: ALLOW_OPEN_SIGN_UP says so, or nothing is set and APP_URL is local (`npm run up`). */
export function openSignUp(env: SignUpSettings): boolean {
  if (env.ALLOW_OPEN_SIGN_UP !== undefined) return env.ALLOW_OPEN_SIGN_UP;
  return env.ALLOWED_EMAIL_DOMAINS.length === 0 && isLocalAppUrl(env.APP_URL);
}

/** Who may create an account, in one sentence (the admin page, `npm run up`). */
export function describeSignUpPolicy(env: SignUpSettings): string {
  if (openSignUp(env)) return "Any address may create an account.";
  if (env.ALLOWED_EMAIL_DOMAINS.length > 0)
    return `Addresses at ${env.ALLOWED_EMAIL_DOMAINS.join(", ")} may create an account; anyone else needs an invitation.`;
  return "Only invited addresses (and ADMIN_EMAILS) may create an account.";
}

/**
 * Why this sign-up setup may not start, or null. Anywhere but a local APP_URL
 * (in production, or on any address others can reach) somebody must have
 * decided who may create an account: ALLOWED_EMAIL_DOMAINS, or
 * ALLOW_OPEN_SIGN_UP (true: anyone; false: invitations and ADMIN_EMAILS only).
 */
export function signUpPolicyProblem(env: SignUpSettings): string | null {
  if (env.ALLOWED_EMAIL_DOMAINS.length > 0 || env.ALLOW_OPEN_SIGN_UP !== undefined || isLocalAppUrl(env.APP_URL)) return null;
  return (
    `no sign-up policy for APP_URL=${env.APP_URL}: set ALLOWED_EMAIL_DOMAINS (e.g. example.com), ` +
    "or ALLOW_OPEN_SIGN_UP=false (only invited addresses and ADMIN_EMAILS) or ALLOW_OPEN_SIGN_UP=true (any address may create an account)"
  );
}

export const downloadLinkEnv = z.object({
  /** Signs download links (HMAC-SHA256); its key id travels in the link. */
  DOWNLOAD_LINK_SECRET: secret("DOWNLOAD_LINK_SECRET"),
  /** Comma-separated secrets still accepted after a rotation (links already emailed keep working until they expire). */
  DOWNLOAD_LINK_PREVIOUS_SECRETS: commaList.refine(
    (list) => list.every((s) => s.length >= 32),
    "each old secret must be at least 32 characters, as it was when current",
  ),
  DOWNLOAD_LINK_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24 * 7),
});

/** Abuse limits. Counters live in Redis, so they hold across web processes. */
export const limitsEnv = z.object({
  REPORTS_PER_USER_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  REPORTS_PER_IP_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** Reports a user may have queued, generating or emailing at once. */
  MAX_REPORTS_IN_FLIGHT_PER_USER: z.coerce.number().int().min(1).default(5),
  SIGN_IN_EMAILS_PER_ADDRESS_PER_HOUR: z.coerce.number().int().min(1).default(5),
  SIGN_IN_REQUESTS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(30),
  /** Sign-in requests per IPv6 /48 (a looser bucket over SIGN_IN_REQUESTS_PER_IP_PER_HOUR, which counts an IPv6 client by its /64). */
  SIGN_IN_REQUESTS_PER_IPV6_48_PER_HOUR: z.coerce.number().int().min(1).default(120),
  /** Sign-in emails per recipient domain (gmail.com counts googlemail.com too). */
  SIGN_IN_EMAILS_PER_DOMAIN_PER_HOUR: z.coerce.number().int().min(1).default(300),
  /** Sign-in emails per minute in all, whoever asks: the cap that protects the sender's reputation during a flood. */
  SIGN_IN_EMAILS_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  /** Fresh download links (each one a row) a user may ask for. */
  DOWNLOAD_LINKS_PER_USER_PER_HOUR: z.coerce.number().int().min(1).default(60),
  /** Reverse proxies in front of the web app that append to X-Forwarded-For (see clientIp in apps/web). */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Request bodies above this answer 413. */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(16 * 1024),
  /** Live status streams (/api/reports/:id/events) one account may hold open at once, across web processes (429 beyond). */
  MAX_STREAMS_PER_USER: z.coerce.number().int().min(1).default(10),
  /** Live status streams one web process holds open at once, whoever asks (503 beyond). */
  MAX_STREAMS_PER_PROCESS: z.coerce.number().int().min(1).default(1000),
  /** A live stream is closed after this long; the browser reconnects, signed in again, and resumes. */
  STREAM_MAX_LIFETIME_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(15 * 60),
  /** How often an open stream re-checks its session (a signed-out stream ends within this). */
  STREAM_SESSION_CHECK_SECONDS: z.coerce.number().int().min(1).max(300).default(5),
});

/**
 * Optional DKIM signing of every email by the worker itself (when the relay at
 * SMTP_URL does not sign). All three or none: the domain (d=, normally MAIL_FROM's
 * domain), the selector (s=; the public key is published at
 * <selector>._domainkey.<domain>), and the private key as PEM text or a file path.
 */
const blankIsUnset = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());
export const mailDkimEnv = z.object({
  MAIL_DKIM_DOMAIN: blankIsUnset(z.string().regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/i, { error: "must be a domain name such as example.com" })),
  MAIL_DKIM_SELECTOR: blankIsUnset(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, { error: "must be a DKIM selector such as backline2026" })),
  /** The private key in PEM ("-----BEGIN PRIVATE KEY-----…"); literal \n sequences are read as line breaks. */
  MAIL_DKIM_PRIVATE_KEY: blankIsUnset(z.string()),
  /** Or a path to the PEM file. */
  MAIL_DKIM_PRIVATE_KEY_FILE: blankIsUnset(z.string()),
});

export const mailEnv = z.object({
  ...mailDkimEnv.shape,
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).default("smtp://127.0.0.1:1025"),
  /** Emails per second across all workers, reports and sign-in links together (BullMQ's global limiters: each job sends at most one email). */
  MAIL_MAX_PER_SECOND: z.coerce.number().int().min(1).default(20),
  /** The part of MAIL_MAX_PER_SECOND reserved for sign-in links (their own queue and limiter); reports get the rest. Must be below MAIL_MAX_PER_SECOND. */
  SIGN_IN_MAIL_MAX_PER_SECOND: z.coerce.number().int().min(1).default(2),
  MAIL_FROM: z.string().min(3).default("Backline <reports@backline.localhost>"),
  /** PDFs larger than this are linked instead of attached. */
  MAIL_ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(10 * 1024 * 1024),
});

/** Where a PDF store is, from STORAGE_URL: a folder, or an S3-compatible bucket and key prefix. */
export type StorageLocation = { kind: "file"; dir: string } | { kind: "s3"; bucket: string; prefix: string };

const STORAGE_URL_FORMS = "must be file:<folder> (e.g. file:./var/reports) or s3://<bucket>/<prefix> (e.g. s3://backline/reports)";

/** `file:./dir` (from the repository root), `file:/abs`, `file:///abs`, or `s3://bucket[/prefix]`; null when it is none of them. */
export function parseStorageUrl(value: string): StorageLocation | null {
  if (value.startsWith("file:")) {
    const rest = value.startsWith("file://") ? decodeURIComponent(new URL(value).pathname) : value.slice("file:".length);
    return rest ? { kind: "file", dir: path.resolve(repoRoot(), rest) } : null;
  }
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(value);
  if (!s3) return null;
  const prefix = (s3[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (prefix.split("/").some((part) => part === "." || part === "..") || prefix.includes("//")) return null;
  return { kind: "s3", bucket: s3[1]!, prefix };
}

/**
 * Where PDFs go (packages/storage): web and workers must all name the same place.
 * Unset STORAGE_URL: the folder REPORTS_DIR (appEnv), as before. The SDK's own
 * names carry the S3 region and credentials (other tools read them too).
 */
export const storageEnv = z.object({
  STORAGE_URL: blankIsUnset(
    z.string().transform((value, ctx) => parseStorageUrl(value) ?? (ctx.addIssue({ code: "custom", message: STORAGE_URL_FORMS }), z.NEVER)),
  ),
  /** The S3-compatible server (http://127.0.0.1:3900); unset: AWS S3 itself. */
  S3_ENDPOINT: blankIsUnset(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })),
  AWS_REGION: blankIsUnset(z.string().min(1)),
  AWS_ACCESS_KEY_ID: blankIsUnset(z.string().min(1)),
  AWS_SECRET_ACCESS_KEY: blankIsUnset(z.string().min(1)),
});

/** The storage a process uses: STORAGE_URL, else the folder REPORTS_DIR. */
export function storageLocation(env: { STORAGE_URL?: StorageLocation | undefined; REPORTS_DIR: string }): StorageLocation {
  return env.STORAGE_URL ?? { kind: "file", dir: env.REPORTS_DIR };
}

/** Bulk campaigns (packages/campaigns): the workers' senders, the web's CSV upload, housekeeping. */
export const campaignsEnv = z.object({
  /**
   * The campaigns' share of MAIL_MAX_PER_SECOND, shared by every worker (a Redis counter). Unset: half of what sign-in
   * links leave (at least 1). Reports get the rest, so a campaign never takes a report's slot.
   */
  CAMPAIGN_MAIL_MAX_PER_SECOND: blankIsUnset(z.coerce.number().int().min(1)),
  /** Recipients one worker process renders and sends at once (beside its WORKER_CONCURRENCY reports). */
  CAMPAIGN_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Recipients claimed per batch. */
  CAMPAIGN_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(20),
  /** How long a claim holds without being renewed: a dead worker's recipients are taken over after it. */
  CAMPAIGN_LEASE_MS: z.coerce.number().int().min(1000).default(30_000),
  /** The failure breaker: over the last this-many finished recipients … */
  CAMPAIGN_BREAKER_WINDOW: z.coerce.number().int().min(5).default(50),
  /** … this share failing pauses the campaign, with the reason. */
  CAMPAIGN_BREAKER_FAILURE_SHARE: z.coerce.number().min(0.01).max(1).default(0.5),
  /** Days after a campaign finishes that its PDFs (and recipients' SMTP replies) are kept. */
  CAMPAIGN_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** Largest recipient CSV accepted. */
  CAMPAIGN_CSV_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
});

/** Scheduled reports (packages/schedules): read by the web app (a new schedule's first run) and the workers (the scheduler). */
export const schedulesEnv = z.object({
  MAX_SCHEDULES_PER_USER: z.coerce.number().int().min(1).default(25),
  /** Runs due at the same instant are spread over this window, by a fixed offset per schedule (no thundering herd at 08:00). */
  SCHEDULE_JITTER_SECONDS: z.coerce.number().int().min(0).max(3600).default(15),
  /** How often each worker looks for due schedules. */
  SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(200).default(5_000),
  /** An occurrence found more than this late (the scheduler was down) is handled by its schedule's missed-run policy. */
  SCHEDULE_LATE_AFTER_SECONDS: z.coerce.number().int().min(10).default(300),
  /** With missed-run policy `all`, at most this many late occurrences are run (the most recent); the rest are recorded missed. */
  SCHEDULE_CATCH_UP_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  /** A schedule whose last this-many runs all failed pauses itself and says why. */
  SCHEDULE_PAUSE_AFTER_FAILURES: z.coerce.number().int().min(1).max(100).default(3),
});

/** Webhooks (packages/webhooks): where the web app lets receivers be registered, and how the workers deliver to them. */
export const webhooksEnv = z.object({
  /**
   * Hosts (names or addresses) that may be webhook receivers although they resolve to a loopback, private or
   * link-local address: local receivers for development and tests. Empty: none.
   */
  WEBHOOK_ALLOWED_HOSTS: commaList.transform((list) => list.map((h) => h.toLowerCase())),
  /** How long a receiver has to answer one delivery. */
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(60).default(10),
  /** The first retry's wait; each next one doubles it (12 retries from 20 s: about a day in all). */
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().min(0.01).max(3600).default(20),
  /** A receiver whose deliveries have all failed for this long is disabled, and its owner emailed. */
  WEBHOOK_DISABLE_AFTER_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 30)
    .default(24),
});

export const workerEnv = z.object({
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** A job whose worker stops renewing its lock for this long is taken over by another worker. */
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(5000),
  /** On SIGTERM, how long jobs in flight may take to finish before the process exits anyway. */
  WORKER_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** How often the reconciler re-enqueues reports that have no job in Redis. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(500).default(10_000),
  /** Email a report's requester once when it fails for good (the reason and a way to retry). */
  NOTIFY_REQUESTER_ON_FAILURE: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("true")
    .transform((v) => v === "true"),
  /** Admins (ADMIN_EMAILS) get a digest of what needs a person at most this often; 0: never. */
  ADMIN_DIGEST_MINUTES: z.coerce.number().int().min(0).default(60),
  /** Port of the worker's /metrics, /healthz and /readyz (one per worker process); unset: no such server. */
  WORKER_METRICS_PORT: blankIsUnset(z.coerce.number().int().min(1).max(65535)),
  /** Interface it listens on. */
  WORKER_METRICS_HOST: z.string().default("0.0.0.0"),
  /**
   * Worker processes `npm run start:worker` runs (apps/worker/src/launcher.ts): a number, or `auto` for one per
   * CPU core (os.availableParallelism()). Each takes WORKER_CONCURRENCY reports.
   */
  WORKER_PROCESSES: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.union([z.literal("auto"), z.coerce.number().int().min(1).max(64)], { error: "must be auto or a whole number from 1 to 64" }).default("auto"),
  ),
});

/** Operating the web app: who may read its metrics. */
export const opsEnv = z.object({
  /** Bearer token for GET /api/metrics; unset: the route answers 404. */
  METRICS_TOKEN: blankIsUnset(z.string().min(16, { error: "must be at least 16 characters" })),
  /** The queue dashboard (/admin/queues, admins only) may retry, clean, pause and remove jobs; otherwise it only shows them. */
  QUEUE_DASHBOARD_ACTIONS: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("false")
    .transform((v) => v === "true"),
});

export class EnvError extends Error {
  override name = "EnvError";
}

/**
 * Loads the repository's `.env` (if any) without overriding real environment
 * variables, then validates. Throws an EnvError whose message names every bad
 * variable on one line each, so start-up fails with a readable reason.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, source: NodeJS.ProcessEnv = process.env): z.infer<S> {
  if (source === process.env) loadRepoDotenv();
  const result = schema.safeParse(source);
  if (result.success) return finishRedisSettings(result.data);
  throw new EnvError(`Invalid environment — ${describeIssues(result.error.issues)}`);
}

let dotenvLoaded = false;
function loadRepoDotenv() {
  if (dotenvLoaded) return;
  dotenvLoaded = true;
  const file = path.join(repoRoot(), ".env");
  if (existsSync(file)) loadDotenvFile({ path: file, quiet: true });
}

/** The nearest folder above cwd holding turbo.json (npm -w runs apps in their own folder), else cwd. */
export function repoRoot(from = process.cwd()): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "turbo.json"))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

/** Hides a URL's password so it can be printed in an error line (a cluster address's too, which URL can't parse). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)[^@/?#]*@/i, "$1***@");
  }
}
