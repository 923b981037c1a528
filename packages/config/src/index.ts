// Environment parsing, once per process. Each concern owns a small zod schema;
// apps compose the ones they need (web: database + redis + app; worker: all).
import { existsSync } from "node:fs";
import path from "node:path";
import { config as loadDotenvFile } from "dotenv";
import { z } from "zod";

export const databaseEnv = z.object({
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: "must be a postgresql:// URL" })
    .default("postgresql://postgres@127.0.0.1:5432/backline"),
});

export const redisEnv = z.object({
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" }).default("redis://127.0.0.1:6379"),
  /** Key prefix of every queue, so two stacks can share one Redis. */
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
  .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean));

export const authEnv = z.object({
  /** Signs session cookies (Better Auth). */
  AUTH_SECRET: secret("AUTH_SECRET"),
  /** These addresses are admins: they may see and act on every report. */
  ADMIN_EMAILS: commaList.transform((list) => list.map((e) => e.toLowerCase())),
  /** How long a sign-in link works. */
  SIGN_IN_LINK_TTL_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
});

export const downloadLinkEnv = z.object({
  /** Signs download links (HMAC-SHA256); its key id travels in the link. */
  DOWNLOAD_LINK_SECRET: secret("DOWNLOAD_LINK_SECRET"),
  /** Comma-separated secrets still accepted after a rotation (links already emailed keep working until they expire). */
  DOWNLOAD_LINK_PREVIOUS_SECRETS: commaList.refine((list) => list.every((s) => s.length >= 32), "each old secret must be at least 32 characters, as it was when current"),
  DOWNLOAD_LINK_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 7),
});

/** Abuse limits. Counters live in Redis, so they hold across web processes. */
export const limitsEnv = z.object({
  REPORTS_PER_USER_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  REPORTS_PER_IP_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** Reports a user may have queued, generating or emailing at once. */
  MAX_REPORTS_IN_FLIGHT_PER_USER: z.coerce.number().int().min(1).default(5),
  SIGN_IN_EMAILS_PER_ADDRESS_PER_HOUR: z.coerce.number().int().min(1).default(5),
  SIGN_IN_REQUESTS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(30),
  /** Fresh download links (each one a row) a user may ask for. */
  DOWNLOAD_LINKS_PER_USER_PER_HOUR: z.coerce.number().int().min(1).default(60),
  /** Reverse proxies in front of the web app that append to X-Forwarded-For (see clientIp in apps/web). */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Request bodies above this answer 413. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(16 * 1024),
});

export const mailEnv = z.object({
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).default("smtp://127.0.0.1:1025"),
  /** Emails per second across all workers (BullMQ's global limiter: each job sends at most one email). */
  MAIL_MAX_PER_SECOND: z.coerce.number().int().min(1).default(20),
  MAIL_FROM: z.string().min(3).default("Backline <reports@backline.localhost>"),
  /** PDFs larger than this are linked instead of attached. */
  MAIL_ATTACHMENT_MAX_BYTES: z.coerce.number().int().min(0).default(10 * 1024 * 1024),
});

export const workerEnv = z.object({
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** A job whose worker stops renewing its lock for this long is taken over by another worker. */
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(5000),
  /** On SIGTERM, how long jobs in flight may take to finish before the process exits anyway. */
  WORKER_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** How often the reconciler re-enqueues reports that have no job in Redis. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(500).default(10_000),
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
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  throw new EnvError(`Invalid environment — ${lines.join("; ")}`);
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

/** Hides a URL's password so it can be printed in an error line. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}
