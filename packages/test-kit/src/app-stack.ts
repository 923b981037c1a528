// A test stack of the production builds: the environment every web and worker
// process of a bench, chaos or end-to-end stack gets (test secrets, the abuse
// limits lifted — one list for all of them), and starters for the web app, a
// worker and the dev inbox (MailDev), each a process of processes.ts (own
// process group, output drained, stopped on cleanup).
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { limitsEnv, mailEnv } from "@backline/config";
import { startProcess, waitForPort, type Proc, type StartOptions } from "./processes.ts";
import { TEST_SECRETS } from "./secrets.ts";

export const repoRoot = path.resolve(import.meta.dirname, "../../..");

export interface StackEnv {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  reportsDir: string;
  appUrl: string;
  smtpUrl?: string;
}

type SettingName = keyof typeof limitsEnv.shape | keyof typeof mailEnv.shape;

/**
 * Abuse limits lifted for test stacks. Every request of a bench, a chaos run or
 * the browser tests comes from 127.0.0.1, from a few users, far faster than a
 * person: the defaults (10 reports a minute per user, 5 in flight, 5 sign-in
 * emails an hour per address, 10 live streams per account, …) would answer most
 * of it 429, and MAIL_MAX_PER_SECOND (the worker's global BullMQ limiter,
 * default 20/s) would cap the pipeline figures at the limiter's rate rather than
 * what the worker can do. These stacks measure throughput and recovery and walk
 * the product's paths; the limits themselves have their own integration tests.
 * The names are checked against @backline/config's schemas.
 */
export const UNTHROTTLED_LIMITS = {
  REPORTS_PER_USER_PER_MINUTE: "1000000",
  REPORTS_PER_IP_PER_MINUTE: "1000000",
  MAX_REPORTS_IN_FLIGHT_PER_USER: "1000000",
  SIGN_IN_REQUESTS_PER_IP_PER_HOUR: "1000000",
  SIGN_IN_REQUESTS_PER_IPV6_48_PER_HOUR: "1000000",
  SIGN_IN_EMAILS_PER_ADDRESS_PER_HOUR: "1000000",
  SIGN_IN_EMAILS_PER_DOMAIN_PER_HOUR: "1000000",
  SIGN_IN_EMAILS_PER_MINUTE: "1000000",
  DOWNLOAD_LINKS_PER_USER_PER_HOUR: "1000000",
  // The SSE bench opens hundreds of status pages as one user.
  MAX_STREAMS_PER_USER: "1000000",
  MAIL_MAX_PER_SECOND: "100000",
} as const satisfies Partial<Record<SettingName, string>>;

/**
 * The environment of a web or worker process of a test stack: the test-only
 * secrets (both apps refuse to start without AUTH_SECRET and
 * DOWNLOAD_LINK_SECRET; session cookies the harness makes are signed with the
 * same AUTH_SECRET), the limits lifted, the stack's services, then `extra`.
 */
export function appEnv(s: StackEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...TEST_SECRETS,
    ...UNTHROTTLED_LIMITS,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: s.redisUrl,
    QUEUE_PREFIX: s.queuePrefix,
    REPORTS_DIR: s.reportsDir,
    APP_URL: s.appUrl,
    ...(s.smtpUrl ? { SMTP_URL: s.smtpUrl } : {}),
    ...extra,
  };
}

/** The production builds the starters below run; empty when both are there. */
export function missingBuilds(extra: string[] = []): string[] {
  return ["apps/web/.next/BUILD_ID", "apps/worker/dist/main.js", ...extra].filter((f) => !existsSync(path.join(repoRoot, f)));
}

export interface AppProcessOptions extends Pick<StartOptions, "onLine" | "graceMs"> {
  /** Added to appEnv (and winning over it). */
  env?: Record<string, string>;
  name?: string;
}

/** The production web build (apps/web/server.mjs, what `npm run start:web` runs) on 127.0.0.1:port; resolves once it listens. */
export async function startWeb(s: StackEnv, port: number, options: AppProcessOptions = {}): Promise<Proc> {
  const web = startProcess(options.name ?? "web", process.execPath, ["server.mjs", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: path.join(repoRoot, "apps/web"),
    env: appEnv(s, { PORT: String(port), ...options.env }),
    onLine: options.onLine,
    graceMs: options.graceMs,
  });
  await waitForPort(port, { what: "web app", proc: web });
  return web;
}

export interface WorkerProcess {
  proc: Proc;
  /** When it logged "worker ready" (pino's `time`, ms since epoch), so start-up isn't counted as work. */
  readyAt: number;
  /** What the worker writes into report_events.worker_id: `<hostname>:<pid>` (spawned directly, so its pid is the worker's). */
  workerId: string;
}

/** One production worker (`node apps/worker/dist/main.js`); resolves once it logs "worker ready". */
export async function startWorker(s: StackEnv, options: AppProcessOptions & { concurrency?: number } = {}): Promise<WorkerProcess> {
  const proc = startProcess(options.name ?? "worker", process.execPath, ["dist/main.js"], {
    cwd: path.join(repoRoot, "apps/worker"),
    env: appEnv(s, { WORKER_CONCURRENCY: String(options.concurrency ?? 2), ...options.env }),
    onLine: options.onLine,
    graceMs: options.graceMs,
  });
  const line = await proc.waitForLine(/"msg":"worker ready"/, 60_000);
  const readyAt = Number((JSON.parse(line) as { time?: number }).time ?? Date.now());
  return { proc, readyAt, workerId: `${os.hostname()}:${proc.pid}` };
}

export interface Inbox {
  proc: Proc;
  smtpUrl: string;
  /** Its web interface and REST API. */
  url: string;
}

/** MailDev 3 (the dev inbox) on 127.0.0.1: SMTP on smtpPort, the web interface on webPort; resolves once both listen. */
export async function startInbox(options: { smtpPort: number; webPort: number } & Pick<AppProcessOptions, "name" | "onLine" | "graceMs">): Promise<Inbox> {
  // maildev's package exports only its module entry (dist/index.js); its CLI sits beside it.
  const bin = path.join(path.dirname(fileURLToPath(import.meta.resolve("maildev"))), "bin/maildev.js");
  const { smtpPort, webPort } = options;
  const args = [bin, "--smtp", String(smtpPort), "--ip", "127.0.0.1", "--web", String(webPort), "--web-ip", "127.0.0.1", "--silent"];
  const proc = startProcess(options.name ?? "inbox", process.execPath, args, {
    cwd: repoRoot,
    env: process.env,
    onLine: options.onLine,
    graceMs: options.graceMs,
  });
  await waitForPort(smtpPort, { what: "the dev inbox's SMTP (maildev)", proc });
  await waitForPort(webPort, { what: "the dev inbox's web interface (maildev)", proc });
  return { proc, smtpUrl: `smtp://127.0.0.1:${smtpPort}`, url: `http://127.0.0.1:${webPort}` };
}

/** An email as MailDev's REST API (`GET /api/email`) lists it. */
export interface InboxEmail {
  id: string;
  subject: string;
  text: string;
  to: { address: string }[];
  headers: Record<string, string>;
  attachments?: { fileName?: string; generatedFileName?: string; contentType: string }[];
}

/** Every email in a MailDev inbox, oldest first. */
export async function inboxEmails(inboxUrl: string): Promise<InboxEmail[]> {
  const response = await fetch(`${inboxUrl}/api/email`);
  if (!response.ok) throw new Error(`GET /api/email answered ${response.status}`);
  return (await response.json()) as InboxEmail[];
}
