// What a chaos stack adds to test-kit's app stack: the production web app and
// workers with the environment a chaos run gives them (a Postgres
// application_name per role, so connections can be told apart and terminated;
// the reconciler's interval), and a private redis-server it can shut down and
// restart.
import { Redis } from "ioredis";
import {
  freePort,
  startProcess,
  startWeb as startAppWeb,
  startWorker as startAppWorker,
  waitForPort,
  type Proc,
  type StackEnv,
  type WorkerProcess,
} from "@backline/test-kit";

export interface ChaosStackEnv extends StackEnv {
  smtpUrl: string;
  reconcileIntervalMs: number;
  /** Settings a scenario adds for its web and workers (ADMIN_EMAILS, CAMPAIGN_LEASE_MS, …). */
  extraEnv?: Record<string, string>;
}

/** Application name on every Postgres connection a worker opens (node-postgres reads PGAPPNAME). */
export const WORKER_PG_APP = "chaos-worker";
const WEB_PG_APP = "chaos-web";
export const HARNESS_PG_APP = "chaos-harness";

const chaosEnv = (s: ChaosStackEnv, pgApp: string) => ({ RECONCILE_INTERVAL_MS: String(s.reconcileIntervalMs), ...s.extraEnv, PGAPPNAME: pgApp });

export const startWeb = (s: ChaosStackEnv, port: number): Promise<Proc> => startAppWeb(s, port, { env: chaosEnv(s, WEB_PG_APP) });

export interface WorkerProc extends WorkerProcess {
  index: number;
  /**
   * Its scheduler's work as its log tells it (each tick that made runs logs
   * "scheduler: runs created"): when it last did (harness clock; null: never)
   * and how many runs in all. The worker that most recently made runs is the
   * one "holding the scheduler" at that moment.
   */
  scheduler(): { lastRunsAt: number | null; runs: number };
}

const SCHEDULER_RUNS_LINE = '"msg":"scheduler: runs created"';

/** Worker `index` of a stack (`node apps/worker/dist/main.js`); resolves when it logs "worker ready". */
export async function startWorker(s: ChaosStackEnv, index: number, concurrency = 2): Promise<WorkerProc> {
  const scheduler = { lastRunsAt: null as number | null, runs: 0 };
  const onLine = (line: string) => {
    if (!line.includes(SCHEDULER_RUNS_LINE)) return;
    try {
      const runs = Number((JSON.parse(line) as { scheduler?: { runs?: number } }).scheduler?.runs ?? 0);
      if (runs > 0) {
        scheduler.lastRunsAt = Date.now();
        scheduler.runs += runs;
      }
    } catch {
      // not JSON: not the line we look for
    }
  };
  const worker = await startAppWorker(s, { name: `worker-${index}`, concurrency, env: chaosEnv(s, WORKER_PG_APP), onLine });
  return { ...worker, index, scheduler: () => ({ ...scheduler }) };
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
      { cwd: dir, env: process.env },
    );
    await waitForPort(port, { what: "redis-server", proc, timeoutMs: 20_000 });
  };
  await spawnIt();
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    running: () => proc?.running() ?? false,
    async shutdownNoSave() {
      const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      client.on("error", () => {});
      await client.connect();
      await client.call("SHUTDOWN", "NOSAVE").catch(() => {}); // the connection drops as it answers
      client.disconnect();
      const current = proc!;
      await Promise.race([current.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (current.running()) await current.stop();
    },
    async restart() {
      await spawnIt();
    },
  };
}
