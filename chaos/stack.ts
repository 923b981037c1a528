// The processes under test — the production web app, worker processes, and a
// private redis-server — started with bench/stack.ts's process helpers (own
// process group each, output drained, cleanup registry), with the extra
// environment the chaos run needs.
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { appEnv, freePort, repoRoot, startProcess, waitForPort, type Proc } from "../bench/stack.ts";

export { exitCleanlyOnSignals, freePort, onCleanup, repoRoot, runCleanup, type Proc } from "../bench/stack.ts";

export interface ChaosStackEnv {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  reportsDir: string;
  appUrl: string;
  smtpUrl: string;
  reconcileIntervalMs: number;
}

/** Application name on every Postgres connection a worker opens (node-postgres reads PGAPPNAME). */
export const WORKER_PG_APP = "chaos-worker";
const WEB_PG_APP = "chaos-web";
export const HARNESS_PG_APP = "chaos-harness";

function env(s: ChaosStackEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  return appEnv(s, { RECONCILE_INTERVAL_MS: String(s.reconcileIntervalMs), ...extra });
}

export function missingBuilds(): string[] {
  return ["apps/web/.next/BUILD_ID", "apps/worker/dist/main.js"].filter((f) => !existsSync(path.join(repoRoot, f)));
}

export async function startWeb(s: ChaosStackEnv, port: number): Promise<Proc> {
  const web = startProcess("web", process.execPath, ["server.mjs", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: path.join(repoRoot, "apps/web"),
    env: env(s, { PORT: String(port), PGAPPNAME: WEB_PG_APP }),
  });
  await waitForPort(port, "web app", web);
  return web;
}

export interface WorkerProc {
  proc: Proc;
  /** What the worker writes into report_events.worker_id: `<hostname>:<pid>`. */
  workerId: string;
  index: number;
}

/** One production worker (`node apps/worker/dist/main.js`); resolves when it logs "worker ready". */
export async function startWorker(s: ChaosStackEnv, index: number, concurrency = 2): Promise<WorkerProc> {
  const proc = startProcess(`worker-${index}`, process.execPath, ["dist/main.js"], {
    cwd: path.join(repoRoot, "apps/worker"),
    env: env(s, { WORKER_CONCURRENCY: String(concurrency), PGAPPNAME: WORKER_PG_APP }),
  });
  await proc.waitForLine(/"msg":"worker ready"/, 60_000);
  // Spawned directly (no shell), so the child's pid is the worker's process.pid.
  return { proc, workerId: `${os.hostname()}:${proc.pid}`, index };
}

/** kill -9 of the worker's whole process group. */
export function killNine(w: WorkerProc): void {
  try {
    process.kill(-w.proc.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

// ---------------------------------------------------------------- private redis

export interface OwnRedis {
  url: string;
  port: number;
  /** `SHUTDOWN NOSAVE` — everything in it is gone. */
  shutdownNoSave(): Promise<void>;
  /** A fresh, empty redis-server on the same port. */
  restart(): Promise<void>;
  running(): boolean;
}

/**
 * A redis-server of our own on a free loopback port, no persistence — never the
 * shared 6379 one, which other runs use.
 */
export async function startOwnRedis(dir: string): Promise<OwnRedis> {
  const port = await freePort();
  let proc: Proc | null = null;
  const spawnIt = async () => {
    proc = startProcess(
      `redis-${port}`,
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--loglevel", "warning"],
      {
        cwd: dir,
        env: process.env,
      },
    );
    await waitForPort(port, "redis-server", proc, 20_000);
  };
  await spawnIt();
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    running: () => proc !== null && proc.child.exitCode === null && proc.child.signalCode === null,
    async shutdownNoSave() {
      const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      client.on("error", () => {});
      await client.connect();
      await client.call("SHUTDOWN", "NOSAVE").catch(() => {}); // the connection drops as it answers
      client.disconnect();
      const current = proc!;
      await Promise.race([current.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (current.child.exitCode === null && current.child.signalCode === null) await current.stop();
    },
    async restart() {
      await spawnIt();
    },
  };
}
