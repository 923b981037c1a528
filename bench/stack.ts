// Starting and stopping the processes under test, and the cleanup registry
// that makes sure nothing outlives the bench (normal exit, error or Ctrl-C).
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_SECRETS } from "@backline/test-kit";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// ---------------------------------------------------------------- cleanup

type CleanupFn = () => Promise<void> | void;
const cleanups: { what: string; fn: CleanupFn }[] = [];

/** Registers an undo step; they run last-in first-out, each one even if an earlier one fails. */
export function onCleanup(what: string, fn: CleanupFn): void {
  cleanups.push({ what, fn });
}

let cleaning: Promise<void> | null = null;
export function runCleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const { what, fn } = cleanups.pop()!;
      try {
        // Bounded: a hung teardown step must not keep the bench alive forever.
        await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error("timed out after 20 s")), 20_000).unref())]);
      } catch (err) {
        console.error(`[bench] cleanup "${what}" failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

// ---------------------------------------------------------------- processes

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Last lines of stdout+stderr, for error messages. */
  tail(): string;
  /** Resolves with the first output line matching `re` (rejects on exit or timeout). */
  waitForLine(re: RegExp, timeoutMs: number): Promise<string>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const live = new Set<Proc>();

/**
 * Spawns a process in its own process group (detached) so stop() can signal
 * the whole tree — `next start` forks the actual server — and so a Ctrl-C in
 * the terminal reaches only the bench, which then stops everything in order.
 */
export function startProcess(name: string, command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Proc {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const onData = (() => {
    let partial = "";
    return (chunk: Buffer) => {
      partial += chunk.toString("utf8");
      const parts = partial.split("\n");
      partial = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (lines.length > 200) lines.shift();
        for (const l of listeners) l(line);
      }
    };
  })();
  // Always drain both pipes: a full pipe would block the child mid-benchmark.
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));

  const proc: Proc = {
    name,
    child,
    pid: child.pid!,
    tail: () => lines.slice(-40).join("\n"),
    exited,
    waitForLine(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const found = lines.find((l) => re.test(l));
        if (found) return resolve(found);
        const timer = setTimeout(() => done(new Error(`${name}: no line matching ${re} within ${timeoutMs} ms\n${proc.tail()}`)), timeoutMs);
        const listener = (line: string) => re.test(line) && done(null, line);
        const done = (err: Error | null, line?: string) => {
          clearTimeout(timer);
          listeners.delete(listener);
          if (err) reject(err);
          else resolve(line!);
        };
        listeners.add(listener);
        void exited.then((code) => done(new Error(`${name} exited (${code}) before printing ${re}\n${proc.tail()}`)));
      });
    },
    async stop() {
      live.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child.pid!, "SIGTERM");
      // The worker finishes in-flight jobs on SIGTERM; give it a moment, then insist.
      const killer = setTimeout(() => signalGroup(child.pid!, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
      // The group may still hold grandchildren that ignored SIGTERM.
      signalGroup(child.pid!, "SIGKILL");
    },
  };
  live.add(proc);
  onCleanup(`stop ${name}`, () => proc.stop());
  return proc;
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Last resort on a second Ctrl-C: kill every process group we started, now. */
/**
 * First SIGINT/SIGTERM: `onFirst`, then clean up everything and exit 130; a
 * second one stops waiting and kills every child at once. Returns whether an
 * interrupt has come.
 */
export function exitCleanlyOnSignals(onFirst: (signal: NodeJS.Signals) => void): () => boolean {
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (interrupted) {
        killAllNow();
        process.exit(130);
      }
      interrupted = true;
      onFirst(signal);
      void runCleanup().then(() => process.exit(130));
    });
  }
  return () => interrupted;
}

export function killAllNow(): void {
  for (const p of live) signalGroup(p.pid, "SIGKILL");
}

// ---------------------------------------------------------------- ports

/** A free loopback port (the OS picks it; tiny race before the server binds it, fine on a bench box). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, what: string, proc: Proc, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${what} exited (${proc.child.exitCode}) before listening\n${proc.tail()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port });
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------- the two apps

export interface StackEnv {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  reportsDir: string;
  appUrl: string;
  smtpUrl?: string;
}

/**
 * Abuse limits lifted for load runs. The defaults (10 reports a minute per
 * user, 30 per address, 5 in flight per user, 30 sign-ins an hour per address)
 * would answer most of a bench's or a chaos run's requests 429 — every request
 * comes from 127.0.0.1 — and MAIL_MAX_PER_SECOND (the worker's global BullMQ
 * limiter, default 20/s) would cap the pipeline figures at the limiter's rate
 * rather than what the worker can do. The bench and chaos measure throughput
 * and recovery, not the limits (the web's own tests cover those).
 */
export const UNTHROTTLED_LIMITS = {
  REPORTS_PER_USER_PER_MINUTE: "1000000",
  REPORTS_PER_IP_PER_MINUTE: "1000000",
  MAX_REPORTS_IN_FLIGHT_PER_USER: "1000000",
  SIGN_IN_REQUESTS_PER_IP_PER_HOUR: "1000000",
  SIGN_IN_EMAILS_PER_ADDRESS_PER_HOUR: "1000000",
  DOWNLOAD_LINKS_PER_USER_PER_HOUR: "1000000",
  // The SSE bench opens hundreds of status pages as one user (default cap: 10 per account).
  MAX_STREAMS_PER_USER: "1000000",
  MAIL_MAX_PER_SECOND: "100000",
} as const;

/**
 * The environment every web or worker process of a bench/chaos stack gets:
 * the test-only secrets (both apps refuse to start without AUTH_SECRET and
 * DOWNLOAD_LINK_SECRET; session cookies the harness makes are signed with the
 * same AUTH_SECRET) and the limits lifted (see UNTHROTTLED_LIMITS).
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

/** The production web build (apps/web/server.mjs, what `npm run start:web` runs), listening on 127.0.0.1:port. */
export async function startWeb(s: StackEnv, port: number): Promise<Proc> {
  const web = startProcess("web", process.execPath, ["server.mjs", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: path.join(repoRoot, "apps/web"),
    env: appEnv(s, { PORT: String(port) }),
  });
  await waitForPort(port, "web app", web);
  return web;
}

/**
 * One production worker process. Resolves once it logs "worker ready", with
 * the time it says it got there (pino's `time`, ms since epoch), so start-up
 * (Prisma, SMTP check, Redis) is not counted as pipeline time.
 */
export async function startWorker(s: StackEnv, concurrency: number): Promise<{ proc: Proc; readyAt: number }> {
  const proc = startProcess(`worker(c=${concurrency})`, process.execPath, ["dist/main.js"], {
    cwd: path.join(repoRoot, "apps/worker"),
    env: appEnv(s, { WORKER_CONCURRENCY: String(concurrency) }),
  });
  const line = await proc.waitForLine(/"msg":"worker ready"/, 60_000);
  const readyAt = Number((JSON.parse(line) as { time?: number }).time ?? Date.now());
  return { proc, readyAt };
}
