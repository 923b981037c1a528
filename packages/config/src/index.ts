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

export const mailEnv = z.object({
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).default("smtp://127.0.0.1:1025"),
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
