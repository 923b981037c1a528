// What every scenario gets: the shared scratch database, the private Redis,
// the SMTP sink, and a way to bring up a fresh stack (web + workers) on its own
// queue prefix, reached by HTTP as signed-in users (Stack is an Api).
import type { PrismaClient } from "@backline/db";
import { QUEUES } from "@backline/queue";
import { freePort, queueJobs, sessionCache, uniqueQueuePrefix, type Proc, type QueueJobs, type SinkMessage, type SmtpSink } from "@backline/test-kit";
import type { Redis } from "ioredis";
import type pg from "pg";
import type { Phase } from "../bench/progress.ts";
import type { Api } from "./client.ts";
import type { Tally } from "./metrics.ts";
import { startWeb, startWorker, type ChaosStackEnv, type OwnRedis, type WorkerProc } from "./stack.ts";

export interface Settings {
  short: boolean;
  kill: { reports: number; kills: number; workers: number };
  redis: { reports: number; duringOutage: number; outageMs: number };
  smtp: {
    downReports: number;
    downMs: number;
    busyReports: number;
    busyMs: number;
    rejectReports: number;
    rejectEvery: number;
    dropReports: number;
    dropMs: number;
  };
  pg: { reports: number; hits: number; perSecond: number };
  orphan: { reports: number };
  idem: { concurrent: number; conflicting: number };
  busy: { reports: number; hogMs: number };
  paused: { rounds: number; background: number };
  /** Every-minute schedules for `minutes` whole minutes; kill -9 of the worker holding the scheduler (the first at a minute boundary); Redis down for redisDownMs. */
  schedules: { schedules: number; minutes: number; kills: number; redisDownMs: number };
  /**
   * A campaign of `recipients` (every rejectEvery-th address refused with 550) under kill -9 of a random worker
   * (every killEveryMs, or `kills` at set points of its progress), a Redis restart (down redisDownMs) and an
   * SMTP outage of smtpDownMs; a second one of pauseRecipients paused and resumed pauseRounds times.
   */
  campaigns: {
    recipients: number;
    rejectEvery: number;
    killEveryMs: number | null;
    kills: number;
    redisDownMs: number;
    smtpDownMs: number;
    pauseRecipients: number;
    pauseRounds: number;
  };
  /** How long to wait, after a scenario's faults, for every accepted report to turn final. */
  settleMs: number;
}

export const FULL: Settings = {
  short: false,
  kill: { reports: 1000, kills: 10, workers: 3 },
  redis: { reports: 2000, duringOutage: 20, outageMs: 5000 },
  smtp: { downReports: 300, downMs: 60_000, busyReports: 150, busyMs: 20_000, rejectReports: 200, rejectEvery: 10, dropReports: 40, dropMs: 8000 },
  pg: { reports: 400, hits: 4, perSecond: 15 },
  orphan: { reports: 200 },
  idem: { concurrent: 1000, conflicting: 5 },
  busy: { reports: 6, hogMs: 120_000 },
  paused: { rounds: 4, background: 10 },
  schedules: { schedules: 200, minutes: 5, kills: 2, redisDownMs: 5000 },
  campaigns: {
    recipients: 20_000,
    rejectEvery: 1000,
    killEveryMs: 20_000,
    kills: 0,
    redisDownMs: 5000,
    smtpDownMs: 30_000,
    pauseRecipients: 2000,
    pauseRounds: 10,
  },
  settleMs: 240_000,
};

export const SHORT: Settings = {
  short: true,
  kill: { reports: 100, kills: 2, workers: 3 },
  redis: { reports: 200, duringOutage: 10, outageMs: 3000 },
  smtp: { downReports: 40, downMs: 10_000, busyReports: 20, busyMs: 5000, rejectReports: 40, rejectEvery: 8, dropReports: 10, dropMs: 3000 },
  pg: { reports: 80, hits: 2, perSecond: 12 },
  orphan: { reports: 30 },
  idem: { concurrent: 300, conflicting: 3 },
  busy: { reports: 2, hogMs: 45_000 },
  paused: { rounds: 1, background: 6 },
  schedules: { schedules: 20, minutes: 2, kills: 1, redisDownMs: 3000 },
  campaigns: { recipients: 1500, rejectEvery: 250, killEveryMs: null, kills: 2, redisDownMs: 3000, smtpDownMs: 10_000, pauseRecipients: 500, pauseRounds: 3 },
  settleMs: 90_000,
};

export interface Check {
  what: string;
  ok: boolean;
  /** Hard checks make the run fail; soft ones are targets, printed only. */
  hard: boolean;
}

export interface ScenarioOutcome {
  /** Why the scenario could not run here (say, no network namespaces without root): shown as SKIP, not a failure. */
  skipped?: string;
  /** The report ids this scenario must see to a final status. */
  ids: string[];
  submitted: number;
  /** HTTP status → count, for what the web answered: every submitted request, once. */
  answers: Record<string, number>;
  /** Answers other than 202 that the scenario caused on purpose: status → why. Any other non-202 answer fails the scenario. */
  refusals?: Record<string, string>;
  /** Reports the scenario made fail on purpose (a 550 address): id → the reason they must end with. Any other failed report fails the scenario. */
  expectedFailures?: Map<string, RegExp>;
  recovery: string;
  checks: Check[];
  notes: string[];
  /** The web's answer that counts as accepted (default "202"; a new schedule is "201"). */
  acceptedStatus?: string;
  /**
   * The scenario's own figures when what it follows is not reports but campaign
   * recipients (tallyRecipients in metrics.ts, counted before it dropped its
   * database); `ids` is then empty.
   */
  tally?: Tally;
  /**
   * Messages whose reply the scenario kept from their sender (a link it cut): like a reply the sink dropped,
   * each explains one later copy with its Message-ID.
   */
  replyKeptFromSender?: (m: SinkMessage) => boolean;
  /** Checks that can only be made once the reports are final (e.g. "one email"). */
  afterSettle?: () => Promise<Check[]>;
  /** Processes of the stack that died without being told to. */
  crashes?: string[];
}

export interface Stack extends Api {
  env: ChaosStackEnv;
  baseUrl: string;
  /** The session cookie of the user with this address (made on first ask, then reused): POSTs "to" an address are made as its user. */
  cookieFor(email: string): Promise<string>;
  web: Proc;
  workers: WorkerProc[];
  /** The stack's report jobs in Redis, read through BullMQ (job id = report id). */
  jobs: QueueJobs;
  /** Replaces worker `index` with a freshly started one. */
  restartWorker(index: number): Promise<WorkerProc>;
  /** Marks a process whose exit the scenario caused (kill -9), so it is not reported as a crash. */
  expectExit(pid: number): void;
  /** Processes that exited on their own while the scenario ran (a crash is a finding). */
  crashes: string[];
  stop(): Promise<void>;
}

export interface ChaosContext {
  settings: Settings;
  databaseUrl: string;
  databaseName: string;
  pg: pg.Client;
  db: PrismaClient;
  redis: OwnRedis;
  sink: SmtpSink;
  reportsDir: string;
  phase(label: string, total: number, unit?: string, detail?: string): Phase;
  log(line: string): void;
  startStack(options: StackOptions): Promise<Stack>;
  /**
   * A scratch database of the scenario's own (real migrations), seeded with
   * `seed` — for a scenario that needs another dataset than the shared one (a
   * campaign of 20,000 customers). Dropped by drop(), or at the end of the run.
   */
  scratchDatabase(seed: { customers: number; orders: number }): Promise<OwnDatabase>;
  /**
   * Waits (bounded by settings.settleMs) until every id is final. Scenarios
   * call it before stopping their stack: the workers must be running to finish.
   */
  settle(label: string, ids: readonly string[]): Promise<void>;
}

export interface StackOptions {
  workers: number;
  concurrency?: number;
  /** Settings added to the web's and the workers' environment. */
  env?: Record<string, string>;
  /** Another database than the shared scratch one (ctx.scratchDatabase), with its users' sessions. */
  database?: Pick<OwnDatabase, "url" | "sessions">;
}

export interface OwnDatabase {
  name: string;
  url: string;
  /** The harness's connection (application_name chaos-harness). */
  pg: pg.Client;
  db: PrismaClient;
  /** For the users' session rows (sessionCache). */
  sessions: pg.Pool;
  drop(): Promise<void>;
}

const MAX_SUPERVISOR_RESTARTS = 20;

/**
 * A fresh web process and `workers` worker processes on a new queue prefix.
 * `sessions` is a connection to the stack's database, for the users' session
 * rows (sessionCache in @backline/test-kit); `redis`, the harness's client of
 * our Redis, for reading the stack's jobs.
 */
export async function startStack(
  base: Omit<ChaosStackEnv, "queuePrefix" | "appUrl">,
  options: StackOptions,
  sessions: pg.Pool | pg.Client,
  redis: Redis,
): Promise<Stack> {
  const port = await freePort();
  const env: ChaosStackEnv = {
    ...base,
    ...(options.database ? { databaseUrl: options.database.url } : {}),
    ...(options.env ? { extraEnv: options.env } : {}),
    queuePrefix: uniqueQueuePrefix("chaos"),
    appUrl: `http://127.0.0.1:${port}`,
  };
  const [web, ...workers] = await Promise.all([
    startWeb(env, port),
    ...Array.from({ length: options.workers }, (_, i) => startWorker(env, i, options.concurrency)),
  ]);
  const expected = new Set<number>();
  let supervisorRestarts = 0;
  let stopping = false;
  const watch = (p: Proc) =>
    void p.exited.then((code) => {
      if (stopping || expected.has(p.pid)) return;
      // The lines that say why: the first error-looking lines of its last output.
      const lines = p.tail().split("\n");
      const first = lines.findIndex((l) => /^\s*(\w*Error\b|error:)/.test(l) && !/captureStackTrace/.test(l));
      const why = first >= 0 ? lines.slice(first, first + 7) : [];
      stack.crashes.push(
        `${p.name} (pid ${p.pid}) exited with ${code}: ${(why.length ? why : lines.slice(-3))
          .map((l) => l.trim())
          .join(" ⏎ ")
          .slice(0, 600)}`,
      );
      // Like a process supervisor (systemd Restart=always): a crashed worker comes back
      // after a second, so "lost" measures lost reports, not dead processes. Bounded.
      const index = stack.workers.findIndex((w) => w.proc === p);
      if (index >= 0 && supervisorRestarts < MAX_SUPERVISOR_RESTARTS) {
        supervisorRestarts += 1;
        setTimeout(() => {
          if (!stopping)
            stack.restartWorker(index).catch((err) => stack.crashes.push(`restart of worker-${index} failed: ${(err as Error).message.split("\n")[0]}`));
        }, 1000);
      }
    });
  const stack: Stack = {
    env,
    baseUrl: env.appUrl,
    cookieFor: sessionCache(options.database?.sessions ?? sessions),
    web: web as Proc,
    workers: workers as WorkerProc[],
    jobs: queueJobs(redis, env.queuePrefix, QUEUES.reports),
    crashes: [],
    expectExit: (pid) => void expected.add(pid),
    async restartWorker(index) {
      const w = await startWorker(env, index, options.concurrency);
      stack.workers[index] = w;
      watch(w.proc);
      return w;
    },
    async stop() {
      stopping = true;
      await Promise.all([stack.web.stop(), ...stack.workers.map((w) => w.proc.stop())]);
      await stack.jobs.close();
    },
  };
  watch(stack.web);
  for (const w of stack.workers) watch(w.proc);
  return stack;
}
