// `npm run bench -- schedules [--due 1000] [--total 10000] [--workers 2]`
//
// The scheduler at scale, on an isolated stack (scratch database, own queue
// prefix and REPORTS_DIR, an SMTP sink keeping headers only) against the
// production worker build, default scheduler settings (SCHEDULER_INTERVAL_MS
// 5 s, SCHEDULE_JITTER_SECONDS 15):
//
// 1. The cost of a tick: `--total` schedules in the table, none due — the tick
//    every worker runs every few seconds, timed in this process, with the query
//    plan of its claim (target: under 50 ms, no full-table scan).
// 2. `--due` every-minute schedules come due at the same minute, among the
//    rest: how long from that nominal minute until every run is recorded and
//    queued, and until every report is Sent, and the scheduler's own lag (a
//    run's creation after its due time, jitter included).
// Removes everything it created, also on failure or Ctrl-C.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createPrismaClient, seedDemoData } from "@backline/db";
import { QUEUES, createProducerQueue } from "@backline/queue";
import { jitterMs, runSchedulerTick } from "@backline/schedules";
import {
  createScratchDatabase,
  deleteQueueKeys,
  exitCleanlyOnSignals,
  onCleanup,
  runCleanup,
  startSmtpSink,
  startWorker,
  uniqueQueuePrefix,
} from "@backline/test-kit";
import { log, phase, stopProgress, totalElapsedMs } from "./progress.ts";
import { fmtMs, fmtSeconds, summarize, table, printTargets } from "./stats.ts";
import { baseDatabaseUrl, preflight, redisUrl } from "./preflight.ts";

const TICK_TARGET_MS = 50;
const TICKS = 50;
/** The defaults the workers run with (packages/config schedulesEnv). */
const DEFAULTS = { jitterWindowMs: 15_000, lateAfterMs: 300_000, catchUpMax: 10, pauseAfterFailures: 3 };
const USERS = 100;

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "schedules"),
  options: {
    due: { type: "string", default: "1000" },
    total: { type: "string", default: "10000" },
    workers: { type: "string", default: "2" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log("usage: npm run bench -- schedules [--due 1000] [--total 10000] [--workers 2]");
  process.exit(0);
}
const due = Number(args.due);
const total = Number(args.total);
const workerCount = Number(args.workers);
if (![due, total, workerCount].every((n) => Number.isInteger(n) && n > 0) || due > total || total > 1_000_000 || workerCount > 16) {
  console.error("--due, --total and --workers must be whole numbers above 0, --due at most --total (≤ 1,000,000), --workers at most 16");
  process.exit(2);
}
await preflight({ redis: true });

let exitCode = 0;
const interrupted = exitCleanlyOnSignals((signal) => {
  stopProgress();
  console.error(`\n[bench] ${signal}: stopping processes and removing the scratch database, queues and files…`);
});

try {
  const setup = phase("setup: scratch database", 1, "", "create + migrate + seed");
  const scratch = await createScratchDatabase(baseDatabaseUrl);
  onCleanup(`drop database ${scratch.name}`, () => scratch.drop());
  const db = createPrismaClient(scratch.url);
  onCleanup("disconnect Prisma", () => db.$disconnect());
  // A small dataset: the subject is the scheduler; each run is a month's sales summary of it.
  await seedDemoData(db, { customers: 500, orders: 20_000 });
  const prefix = uniqueQueuePrefix("bench-schedules");
  onCleanup("delete the bench queues", async () => {
    await deleteQueueKeys(redisUrl, prefix);
  });
  const queue = createProducerQueue(QUEUES.reports, { redisUrl, prefix });
  onCleanup("close the queue", () => queue.close());
  setup.done(scratch.name);

  // ---- the table: `total` schedules of USERS people; `due` of them every minute, the rest weekly
  const build = phase("setup: schedules", total, "schedules");
  const users = await db.$queryRaw<{ id: string }[]>`
    insert into users (id, email, email_verified, updated_at)
    select gen_random_uuid(), 'bench-schedules-' || g || '@example.com', true, now() from generate_series(1, ${USERS}) g
    returning id::text`;
  // The minute they all come due: far enough ahead for the tick measurements below.
  const nominal = new Date(Math.ceil((Date.now() + 60_000) / 60_000) * 60_000);
  const ids = Array.from({ length: total }, () => crypto.randomUUID());
  const dueIds = ids.slice(0, due);
  for (let at = 0; at < total; at += 5000) {
    const chunk = ids.slice(at, at + 5000);
    const every = chunk.map((id) => dueIds.includes(id));
    await db.$executeRaw`
      insert into schedules (id, user_id, type, params, relative, cron, time_zone, next_occurrence, next_run_at, updated_at)
      select s.id, (${users.map((u) => u.id)}::uuid[])[1 + (s.n % ${USERS})], 'sales-summary', '{"groupBy": "week"}', '{"range": "previous-day"}',
             case when s.every then '* * * * *' else '0 8 * * 1' end, 'UTC',
             case when s.every then ${nominal}::timestamptz at time zone 'UTC' else timestamp '2030-01-07 08:00' end,
             case when s.every then ${nominal}::timestamptz + s.jitter * interval '1 millisecond' else timestamptz '2030-01-07 08:00Z' + (s.n % 900) * interval '1 second' end,
             now()
      from unnest(${chunk}::uuid[], ${every}::boolean[], ${chunk.map((id) => jitterMs(id, DEFAULTS.jitterWindowMs))}::int[])
           with ordinality as s(id, every, jitter, n)`;
    build.update(Math.min(total, at + 5000));
  }
  await db.$executeRaw`analyze schedules`;
  build.done();

  // ---- 1. an idle tick, with the whole table there and nothing due
  const tickBar = phase("tick cost (nothing due)", TICKS, "ticks");
  const tickMs: number[] = [];
  for (let i = 0; i < TICKS && !interrupted(); i++) {
    const started = performance.now();
    const result = await runSchedulerTick(db, queue, DEFAULTS);
    tickMs.push(performance.now() - started);
    if (result.schedules !== 0) throw new Error("a schedule came due during the idle ticks");
    tickBar.update(i + 1);
  }
  tickBar.done();
  const plan = (
    await db.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(
      `explain (analyze, buffers) select s.id from schedules s join users u on u.id = s.user_id
       where s.paused = false and s.next_run_at <= now() order by s.next_run_at limit 50 for update of s skip locked`,
    )
  ).map((r) => r["QUERY PLAN"]);

  // ---- 2. `due` runs at the same minute, by the workers
  const reportsDir = await mkdtemp(path.join(os.tmpdir(), "backline-bench-schedules-"));
  onCleanup("remove REPORTS_DIR", () => rm(reportsDir, { recursive: true, force: true }));
  const smtp = await startSmtpSink({ keep: "headers" });
  onCleanup("stop the SMTP sink", () => smtp.close());
  const stack = { databaseUrl: scratch.url, redisUrl, queuePrefix: prefix, reportsDir, appUrl: "http://127.0.0.1:9", smtpUrl: smtp.url };
  for (let i = 0; i < workerCount; i++) await startWorker(stack, { name: `worker-${i + 1}` });
  const wait = phase(`waiting for ${nominal.toISOString().slice(11, 16)} UTC`, 1, "", "");
  while (Date.now() < nominal.getTime() && !interrupted()) await new Promise((r) => setTimeout(r, 250));
  wait.done();

  const runs = phase(`${due} runs due at once`, due * 2, "recorded + sent");
  let recordedAt = 0;
  for (;;) {
    const [row] = await db.$queryRaw<{ recorded: bigint; sent: bigint; failed: bigint }[]>`
      select count(*) as recorded, count(*) filter (where r.status = 'sent') as sent, count(*) filter (where r.status = 'failed') as failed
      from schedule_runs sr join reports r on r.id = sr.report_id
      where sr.schedule_id = any(${dueIds}::uuid[]) and sr.occurrence = ${nominal}::timestamptz at time zone 'UTC'`;
    const recorded = Number(row!.recorded);
    if (recorded === due && !recordedAt) {
      recordedAt = Date.now();
      // No second minute: the next occurrences would be another `due` runs.
      await db.$executeRaw`update schedules set paused = true where id = any(${dueIds}::uuid[])`;
    }
    runs.update(recorded + Number(row!.sent), `${recorded} recorded, ${row!.sent} sent, ${row!.failed} failed`);
    if (Number(row!.sent) + Number(row!.failed) === due) break;
    if (Date.now() - nominal.getTime() > 15 * 60_000) throw new Error("the runs did not finish within 15 minutes");
    await new Promise((r) => setTimeout(r, 500));
  }
  runs.done();
  const timings = (
    await db.$queryRaw<{ created_ms: number; lag_ms: number; sent_ms: number | null; queued_ms: number | null }[]>`
      select extract(epoch from sr.created_at - ${nominal}::timestamptz) * 1000 as created_ms,
             extract(epoch from sr.created_at - sr.due_at) * 1000 as lag_ms,
             extract(epoch from r.finished_at - ${nominal}::timestamptz) * 1000 as sent_ms,
             extract(epoch from r.started_at - sr.created_at) * 1000 as queued_ms
      from schedule_runs sr join reports r on r.id = sr.report_id
      where sr.schedule_id = any(${dueIds}::uuid[]) and sr.occurrence = ${nominal}::timestamptz at time zone 'UTC'`
  ).map((t) => ({ created: Number(t.created_ms), lag: Number(t.lag_ms), sent: Number(t.sent_ms ?? Number.NaN), queued: Number(t.queued_ms ?? Number.NaN) }));
  const [counts] = await db.$queryRaw<{ runs: bigint; reports: bigint; emails: bigint }[]>`
    select (select count(*) from schedule_runs where schedule_id = any(${dueIds}::uuid[])) as runs,
           (select count(*) from reports where schedule_id = any(${dueIds}::uuid[])) as reports,
           ${smtp.accepted.length}::bigint as emails`;
  const copies = new Map<string | null, number>();
  for (const m of smtp.accepted) copies.set(m.reportId, (copies.get(m.reportId) ?? 0) + 1);
  const extraCopies = [...copies.values()].filter((n) => n > 1).length;

  // ---- report
  stopProgress();
  const tick = summarize(tickMs);
  console.log(`\nScheduler: ${total.toLocaleString("en-US")} schedules (${due.toLocaleString("en-US")} every minute), ${workerCount} worker processes\n`);
  console.log(
    table(
      ["idle tick (nothing due)", "median", "p95", "p99", "max"],
      [[`${TICKS} ticks, ${total.toLocaleString("en-US")} schedules`, fmtMs(tick.p50), fmtMs(tick.p95), fmtMs(tick.p99), fmtMs(tick.max)]],
    ),
  );
  console.log(`\nThe tick's claim (EXPLAIN ANALYZE, nothing due):\n${plan.map((l) => `  ${l}`).join("\n")}`);
  const created = summarize(timings.map((t) => t.created));
  const lag = summarize(timings.map((t) => t.lag));
  const sent = summarize(timings.map((t) => t.sent).filter(Number.isFinite));
  const queued = summarize(timings.map((t) => t.queued).filter(Number.isFinite));
  console.log(
    `\n${due.toLocaleString("en-US")} runs due at ${nominal.toISOString()} (spread over the ${DEFAULTS.jitterWindowMs / 1000} s jitter window), from that minute:`,
  );
  console.log(
    table(
      ["", "median", "p95", "last"],
      [
        ["run recorded + queued", fmtSeconds(created.p50), fmtSeconds(created.p95), fmtSeconds(created.max)],
        ["report Sent", fmtSeconds(sent.p50), fmtSeconds(sent.p95), fmtSeconds(sent.max)],
        ["scheduler lag (recorded − due, jitter included)", fmtMs(lag.p50), fmtMs(lag.p95), fmtMs(lag.max)],
        ["queue wait (recorded → a worker starts it)", fmtSeconds(queued.p50), fmtSeconds(queued.p95), fmtSeconds(queued.max)],
      ],
    ),
  );
  console.log(
    `\nRuns recorded ${counts!.runs}, reports ${counts!.reports}, emails at the sink ${counts!.emails}, reports emailed more than once ${extraCopies}`,
  );
  const planText = plan.join("\n");
  const targets: [string, boolean, string][] = [
    [`idle tick under ${TICK_TARGET_MS} ms (p95) with ${total.toLocaleString("en-US")} schedules`, tick.p95 < TICK_TARGET_MS, fmtMs(tick.p95)],
    ["no full-table scan of schedules (the plan)", !/Seq Scan on schedules/.test(planText), /Index Scan using (\S+)/.exec(planText)?.[1] ?? "no index scan"],
    [
      `every occurrence once: ${due} runs, ${due} emails`,
      Number(counts!.runs) === due && Number(counts!.emails) === due && extraCopies === 0,
      `${counts!.runs} runs, ${counts!.emails} emails`,
    ],
  ];
  const allPassed = printTargets(targets);
  console.log(`\n(total ${fmtSeconds(totalElapsedMs())}; 1-minute load average at the end ${os.loadavg()[0]!.toFixed(2)})`);
  if (!allPassed) exitCode = 1;
} catch (err) {
  stopProgress();
  log(`[bench] ${(err as Error).stack ?? err}`);
  exitCode = 1;
} finally {
  await runCleanup();
}
process.exit(exitCode);
