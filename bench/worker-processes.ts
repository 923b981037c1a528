// `npm run bench -- worker-processes [--reports 200] [--processes 1,2,4] [--concurrency 2]`
//
// Throughput of the production worker build by number of processes: for each
// count, N sales-summary reports (default params) are created and queued first,
// then `node apps/worker/dist/launcher.js` starts with WORKER_PROCESSES = that
// count (each copy at WORKER_CONCURRENCY); the clock runs from the launcher's
// "worker processes ready" log time to the last report's finished_at. Prints
// reports/s, the speed-up over one process, the 1-minute load average during
// the run (mean and max, sampled every second) and the worst event-loop stall
// any copy logged. Isolated stack: scratch database, own queue prefix, temp
// REPORTS_DIR, an SMTP sink keeping headers only; removed at the end, also on
// failure or Ctrl-C. Needs `npm run build -w @backline/worker` first.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createPrismaClient, createReport, ensureUser, seedDemoData } from "@backline/db";
import { QUEUES, createProducerQueue, enqueue } from "@backline/queue";
import { salesSummary } from "@backline/reports";
import {
  appEnv,
  createScratchDatabase,
  deleteQueueKeys,
  exitCleanlyOnSignals,
  onCleanup,
  repoRoot,
  runCleanup,
  startProcess,
  startSmtpSink,
  uniqueQueuePrefix,
} from "@backline/test-kit";
import pg from "pg";
import { baseDatabaseUrl, preflight, redisUrl } from "./preflight.ts";

const { values: args } = parseArgs({
  options: {
    reports: { type: "string", default: "200" },
    processes: { type: "string", default: "1,2,4" },
    concurrency: { type: "string", default: "2" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log("usage: npm run bench -- worker-processes [--reports 200] [--processes 1,2,4] [--concurrency 2]");
  process.exit(0);
}
const count = Number(args.reports);
const counts = args.processes.split(",").map(Number);
const concurrency = Number(args.concurrency);
if (![count, concurrency, ...counts].every((n) => Number.isInteger(n) && n > 0) || count > 10_000 || counts.some((n) => n > 16)) {
  console.error("--reports (≤ 10,000), --processes (each ≤ 16) and --concurrency must be whole numbers above 0");
  process.exit(2);
}
await preflight({ redis: true });

interface Run {
  processes: number;
  sent: number;
  failed: number;
  wallMs: number;
  rate: number;
  load: { mean: number; max: number };
  emails: number;
}

const log = (line: string) => console.log(`[bench] ${line}`);
let exitCode = 0;
const interrupted = exitCleanlyOnSignals((signal) => console.error(`\n[bench] ${signal}: stopping the workers and removing what the bench made…`));

try {
  const scratch = await createScratchDatabase(baseDatabaseUrl);
  onCleanup(`drop database ${scratch.name}`, () => scratch.drop());
  const db = createPrismaClient(scratch.url);
  onCleanup("disconnect Prisma", () => db.$disconnect());
  await seedDemoData(db, { customers: 2000, orders: 120_000 });
  const client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  onCleanup("close pg", () => client.end());
  const smtp = await startSmtpSink({ keep: "headers" });
  onCleanup("stop the SMTP sink", () => smtp.close());
  const reportsDir = await mkdtemp(path.join(os.tmpdir(), "backline-bench-processes-"));
  onCleanup("remove REPORTS_DIR", () => rm(reportsDir, { recursive: true, force: true }));
  const owner = await ensureUser(db, "bench@example.com");
  const params = salesSummary.params.parse({});
  log(`${count} sales summaries per run, WORKER_CONCURRENCY=${concurrency}, processes ${counts.join("/")}, ${os.availableParallelism()} cores`);

  const runs: Run[] = [];
  for (const processes of counts) {
    if (interrupted()) break;
    await client.query("TRUNCATE reports CASCADE");
    const prefix = uniqueQueuePrefix(`bench-procs-${processes}`);
    onCleanup(`delete queue ${prefix}`, async () => {
      await deleteQueueKeys(redisUrl, prefix);
    });
    const queue = createProducerQueue(QUEUES.reports, { redisUrl, prefix });
    for (let i = 0; i < count; i += 25) {
      const batch = await Promise.all(Array.from({ length: Math.min(25, count - i) }, () => createReport(db, { type: salesSummary.id, params, owner })));
      await Promise.all(batch.map((r) => enqueue(queue, "generate-report", { reportId: r.id }, { jobId: r.id })));
    }
    await queue.close();
    smtp.reset();

    const launcher = startProcess(`launcher(${processes})`, process.execPath, ["dist/launcher.js"], {
      cwd: path.join(repoRoot, "apps/worker"),
      env: appEnv(
        { databaseUrl: scratch.url, redisUrl, queuePrefix: prefix, reportsDir, appUrl: "http://127.0.0.1:9", smtpUrl: smtp.url },
        { WORKER_PROCESSES: String(processes), WORKER_CONCURRENCY: String(concurrency) },
      ),
      graceMs: 30_000,
    });
    const readyLine = await launcher.waitForLine(/"msg":"worker processes ready"/, 120_000);
    const readyAt = Number((JSON.parse(readyLine) as { time: number }).time);
    const loads: number[] = [];
    const sampler = setInterval(() => loads.push(os.loadavg()[0]!), 1000);
    const deadline = Date.now() + 60_000 + count * 2000;
    let sent = 0;
    let failed = 0;
    try {
      for (;;) {
        const { rows } = await client.query<{ status: string; n: string }>("SELECT status, count(*) AS n FROM reports GROUP BY status");
        const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
        sent = by.sent ?? 0;
        failed = by.failed ?? 0;
        if (sent + failed >= count) break;
        if (!launcher.running()) throw new Error(`the launcher exited mid-run\n${launcher.tail()}`);
        if (Date.now() > deadline) throw new Error(`timed out with ${sent} of ${count} sent`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      clearInterval(sampler);
      await launcher.stop();
    }
    const { rows } = await client.query<{ last: Date }>("SELECT max(finished_at) AS last FROM reports WHERE status = 'sent'");
    const wallMs = rows[0]!.last.getTime() - readyAt;
    const run: Run = {
      processes,
      sent,
      failed,
      wallMs,
      rate: sent / (wallMs / 1000),
      load: { mean: loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length), max: Math.max(0, ...loads) },
      emails: smtp.accepted.length,
    };
    runs.push(run);
    log(`${processes} process(es): ${run.rate.toFixed(2)} reports/s (${sent} sent, ${failed} failed, ${(wallMs / 1000).toFixed(1)} s)`);
  }

  const one = runs.find((r) => r.processes === 1)?.rate;
  console.log("\nprocesses  reports/s  vs 1 process  sent  failed  emails  wall s   load avg (1 min) mean / max");
  for (const r of runs) {
    console.log(
      [
        String(r.processes).padStart(9),
        r.rate.toFixed(2).padStart(10),
        (one ? `${((r.rate / one) * 100).toFixed(0)} %` : "–").padStart(13),
        String(r.sent).padStart(5),
        String(r.failed).padStart(7),
        String(r.emails).padStart(7),
        (r.wallMs / 1000).toFixed(1).padStart(7),
        `${r.load.mean.toFixed(2)} / ${r.load.max.toFixed(2)}`.padStart(30),
      ].join(" "),
    );
  }
  if (runs.some((r) => r.failed > 0 || r.sent !== count)) exitCode = 1;
} catch (err) {
  console.error(`[bench] failed: ${(err as Error).stack ?? err}`);
  exitCode = 1;
} finally {
  await runCleanup();
}
process.exit(interrupted() ? 130 : exitCode);
