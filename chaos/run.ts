// `npm run chaos [-- --short] [-- --only <scenario>]`
//
// Breaks a real Backline stack on purpose — production web build, worker
// processes, a private redis-server, an SMTP sink we control, a scratch
// database — and counts what happened to every accepted report: lost (never
// final), emailed twice, resent in the ambiguous window, failed (and why), and
// how long recovery took. Exits non-zero when any scenario lost a report, sent
// a duplicate email, or failed one of its hard checks. See chaos/README.md.
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkDatabase, createPrismaClient, seedDemoData } from "@backline/db";
import { createScratchDatabase, exitCleanlyOnSignals, missingBuilds, onCleanup, runCleanup, sessionPool, startSmtpSink } from "@backline/test-kit";
import { log, phase, stopProgress, totalElapsedMs } from "../bench/progress.ts";
import { connectPg, redisClient, waitTerminal } from "./client.ts";
import { FULL, SHORT, startStack, type ChaosContext, type ScenarioOutcome } from "./context.ts";
import { evaluate, failedResult, passed, renderScenario, renderSummary, skippedResult, verdictOf, type ScenarioResult } from "./metrics.ts";
import { busyCpuScenario } from "./scenarios/busy-cpu.ts";
import { campaignsScenario } from "./scenarios/campaigns.ts";
import { idempotencyScenario } from "./scenarios/idempotency.ts";
import { killWorkerScenario } from "./scenarios/kill-worker.ts";
import { orphanRowsScenario } from "./scenarios/orphan-rows.ts";
import { pausedWorkerScenario } from "./scenarios/paused-worker.ts";
import { pgTerminateScenario } from "./scenarios/pg-terminate.ts";
import { networkPartitionScenario } from "./scenarios/network-partition.ts";
import { redisFailoverScenario } from "./scenarios/redis-failover.ts";
import { redisRestartScenario } from "./scenarios/redis-restart.ts";
import { schedulesScenario } from "./scenarios/schedules.ts";
import { smtpFaultsScenario } from "./scenarios/smtp-faults.ts";
import { HARNESS_PG_APP, startOwnRedis } from "./stack.ts";

const SCENARIOS: { name: string; title: string; run: (ctx: ChaosContext) => Promise<ScenarioOutcome> }[] = [
  { name: "kill-worker", title: "kill -9 of workers at random moments", run: killWorkerScenario },
  { name: "redis-restart", title: "Redis SHUTDOWN NOSAVE with a backlog, restarted empty", run: redisRestartScenario },
  { name: "smtp-faults", title: "SMTP down, then 421, then 550 for some addresses, then replies dropped after DATA", run: smtpFaultsScenario },
  { name: "pg-terminate", title: "workers' Postgres connections terminated mid-load", run: pgTerminateScenario },
  { name: "orphan-rows", title: "web died between insert and enqueue (simulated)", run: orphanRowsScenario },
  { name: "idempotency", title: "concurrent identical POSTs with one Idempotency-Key", run: idempotencyScenario },
  { name: "busy-cpu", title: "big renders with both cores busy: no false stalls", run: busyCpuScenario },
  { name: "paused-worker", title: "a worker SIGSTOPped mid-render past its lock, resumed after the takeover", run: pausedWorkerScenario },
  {
    name: "schedules",
    title: "every-minute schedules; kill -9 of the scheduler's worker (one at a minute boundary), Redis restarted empty",
    run: schedulesScenario,
  },
  {
    name: "redis-failover",
    title: "Redis Cluster: kill -9 of the master holding the stack's slot mid-load; its replica promoted",
    run: redisFailoverScenario,
  },
  {
    name: "network-partition",
    title: "web and workers on hosts of their own (network namespaces); one worker's link cut past its lock, then healed",
    run: networkPartitionScenario,
  },
  {
    name: "campaigns",
    title: "bulk campaign under kill -9 of workers, a Redis restart and an SMTP outage; another paused and resumed",
    run: campaignsScenario,
  },
];

const { values: args } = parseArgs({
  options: {
    short: { type: "boolean", default: false },
    only: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log(`usage: npm run chaos [-- --short] [-- --only ${SCENARIOS.map((s) => s.name).join("|")}]`);
  process.exit(0);
}
if (args.only && !SCENARIOS.some((s) => s.name === args.only)) {
  console.error(`--only must be one of: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  process.exit(2);
}
const settings = args.short ? SHORT : FULL;
const selected = SCENARIOS.filter((s) => !args.only || s.name === args.only);

// ---------------------------------------------------------------- preflight

const missing = missingBuilds();
if (missing.length > 0) {
  console.error(`chaos needs the production builds (missing: ${missing.join(", ")}): run \`npm run build\` first.`);
  process.exit(1);
}
const baseDatabaseUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
{
  const problem = await checkDatabase(baseDatabaseUrl);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}

// ---------------------------------------------------------------- teardown on any exit

const interrupted = exitCleanlyOnSignals((signal) => {
  stopProgress();
  console.error(`\n[chaos] ${signal}: stopping processes, our redis-server, the SMTP sink; dropping the scratch database…`);
});

// ---------------------------------------------------------------- run

const results: ScenarioResult[] = [];
let setupError: unknown = null;
try {
  log(`[chaos] ${args.short ? "short" : "full"} run: ${selected.map((s) => s.name).join(", ")}`);
  const tmp = await mkdtemp(path.join(os.tmpdir(), "backline-chaos-"));
  onCleanup(`remove ${tmp}`, () => rm(tmp, { recursive: true, force: true }));
  const reportsDir = path.join(tmp, "reports");
  const redisDir = path.join(tmp, "redis");
  await Promise.all([mkdir(reportsDir), mkdir(redisDir)]);

  const setup = phase("setup", 4, "steps", "scratch database");
  const scratch = await createScratchDatabase(baseDatabaseUrl);
  onCleanup(`drop database ${scratch.name}`, () => scratch.drop());
  const db = createPrismaClient(scratch.url);
  onCleanup("disconnect prisma", () => db.$disconnect());
  setup.update(1, "seeding 60 customers / 6,000 orders");
  await seedDemoData(db, { customers: 60, orders: 6000 });
  setup.update(2, "own redis-server");
  const redis = await startOwnRedis(redisDir);
  const rc = redisClient(redis.url);
  onCleanup("disconnect redis client", () => void rc.disconnect());
  setup.update(3, "SMTP sink");
  // Headers only (X-Report-Id, Message-ID): bodies are kept just for the reports a scenario names in keepMessagesOf.
  const sink = await startSmtpSink({ keep: "headers" });
  onCleanup("close SMTP sink", () => sink.close());
  const pg = await connectPg(scratch.url, HARNESS_PG_APP);
  onCleanup("close pg", () => pg.end());
  // The users' sessions (each address a scenario posts "to" signs in once): a
  // few connections of their own, so making them never waits on the harness's queries.
  const sessions = sessionPool(scratch.url, HARNESS_PG_APP);
  onCleanup("close sessions pool", () => sessions.end());
  setup.done(`db ${scratch.name}, redis ${redis.url}, smtp ${sink.url}`);

  const ctx: ChaosContext = {
    settings,
    databaseUrl: scratch.url,
    databaseName: scratch.name,
    pg,
    db,
    redis,
    sink,
    reportsDir,
    phase,
    log,
    async settle(label, ids) {
      const bar = phase(`${label}: settling`, ids.length, "final");
      const end = await waitTerminal(pg, ids, settings.settleMs, (c) => bar.update(c.terminal, `sent ${c.sent}, failed ${c.failed}`));
      bar.done(end.allTerminal ? "all final" : "timed out");
    },
    startStack: (options) =>
      startStack({ databaseUrl: scratch.url, redisUrl: redis.url, reportsDir, smtpUrl: sink.url, reconcileIntervalMs: 10_000 }, options, sessions, rc),
    async scratchDatabase(seed) {
      const own = await createScratchDatabase(baseDatabaseUrl);
      const ownDb = createPrismaClient(own.url);
      const ownSessions = sessionPool(own.url, HARNESS_PG_APP);
      let ownPg: Awaited<ReturnType<typeof connectPg>> | null = null;
      const close = async () => {
        await Promise.allSettled([ownPg?.end(), ownDb.$disconnect(), ownSessions.end()]);
        await own.drop();
      };
      // Closed and dropped at the end of the run unless the scenario drops it first (also when seeding fails).
      const forget = onCleanup(`drop database ${own.name}`, close);
      ownPg = await connectPg(own.url, HARNESS_PG_APP);
      await seedDemoData(ownDb, seed);
      return {
        name: own.name,
        url: own.url,
        pg: ownPg,
        db: ownDb,
        sessions: ownSessions,
        async drop() {
          forget();
          await close();
        },
      };
    },
  };

  for (const s of selected) {
    if (interrupted()) break;
    const started = Date.now();
    log(`[chaos] ── ${s.name}: ${s.title}`);
    let result: ScenarioResult;
    try {
      if (!redis.running()) await redis.restart();
      const outcome = await s.run(ctx);
      result = outcome.skipped ? skippedResult(s.name, s.title, started, outcome.skipped) : await evaluate(ctx, s.name, s.title, started, outcome);
    } catch (err) {
      result = failedResult(s.name, s.title, started, err);
    }
    results.push(result);
    log(`[chaos] ${s.name}: ${verdictOf(result)}${result.skipped ? ` (${result.skipped})` : ""} in ${(result.durationMs / 1000).toFixed(0)} s`);
  }
} catch (err) {
  setupError = err;
} finally {
  stopProgress();
  await runCleanup();
}

console.log("");
for (const r of results) console.log(`${renderScenario(r)}\n`);
if (results.length > 1) console.log(renderSummary(results));
if (setupError) console.error(`[chaos] setup failed: ${(setupError as Error).stack ?? String(setupError)}`);
const ok = !setupError && results.length === selected.length && results.every(passed);
console.log(`\n[chaos] ${args.short ? "short" : "full"} run ${ok ? "PASSED" : "FAILED"} in ${(totalElapsedMs() / 1000).toFixed(0)} s`);
process.exit(ok ? 0 : 1);
