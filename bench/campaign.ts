// `npm run bench -- campaign [--recipients 100000] [--workers 2] [--bare 400]`
//
// A bulk campaign at full size on an isolated stack — scratch database seeded
// with that many customers, its own redis-server (so its memory is ours alone),
// an SMTP sink keeping headers only, temp REPORTS_DIR — against the production
// builds: the web app and `--workers` worker processes with default settings
// except the mail-rate limits (lifted: a real relay's rate is a deployment's
// choice, and the sink takes anything). An admin starts a one-page statement to
// every customer through POST /api/campaigns; while it runs a person asks for a
// report every two seconds in the web app. Beside it, the same statement
// rendered and emailed in a bare loop, one process per core (no ledger, no
// queue, no database), gives the ceiling. Then retention: what the campaign cost
// on disk and in Postgres, and what housekeeping gives back after
// CAMPAIGN_RETENTION_DAYS.
//
// Prints wall time, emails/s, the share of the bare loop, the interactive
// reports' queue wait (p50/p95/max), peak RSS of web, each worker and Redis,
// Postgres and disk growth, duplicates judged by the sink, and PASS/MISS per
// target. Removes everything it created, also on failure or Ctrl-C.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { campaignPdfFolder, purgeExpiredCampaigns } from "@backline/campaigns";
import { fileStorage } from "@backline/storage";
import { createPrismaClient, seedDemoData } from "@backline/db";
import {
  createScratchDatabase,
  exitCleanlyOnSignals,
  freePort,
  onCleanup,
  repoRoot,
  runCleanup,
  sessionCache,
  sessionPool,
  startProcess,
  startSmtpSink,
  startWeb,
  startWorker,
  uniqueQueuePrefix,
  type WorkerProcess,
} from "@backline/test-kit";
import { Redis } from "ioredis";
import { answered, clientFor } from "../chaos/client.ts";
import { startOwnRedis } from "../chaos/stack.ts";
import { log, phase, stopProgress, totalElapsedMs } from "./progress.ts";
import { sampleRss, type RssSampler } from "./rss.ts";
import { fmtMiB, fmtMs, fmtPct, fmtRate, fmtSeconds, summarize, table, printTargets } from "./stats.ts";
import { baseDatabaseUrl, preflight } from "./preflight.ts";

const TARGETS = { wallMs: 15 * 60_000, bareShare: 0.7, interactiveP95Ms: 2000, workerRssKiB: 300 * 1024 };
const INTERACTIVE_EVERY_MS = 2000;
const ADMIN = "bench-admin@example.com";
const PERSON = "bench-person@example.com";

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "campaign"),
  options: {
    recipients: { type: "string", default: "100000" },
    workers: { type: "string", default: "2" },
    bare: { type: "string", default: "400", short: "b" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log("usage: npm run bench -- campaign [--recipients 100000] [--workers 2] [--bare 400 (statements per bare loop)]");
  process.exit(0);
}
const recipients = Number(args.recipients);
const workerCount = Number(args.workers);
const barePerLoop = Number(args.bare);
for (const [name, value, max] of [
  ["--recipients", recipients, 1_000_000],
  ["--workers", workerCount, 16],
  ["--bare", barePerLoop, 100_000],
] as const) {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    console.error(`${name} must be a whole number from 1 to ${max}`);
    process.exit(2);
  }
}
// It runs a redis-server of its own, so the shared one is not needed.
await preflight({ redis: false });

let exitCode = 0;
const interrupted = exitCleanlyOnSignals((signal) => {
  stopProgress();
  console.error(`\n[bench] ${signal}: stopping processes and removing the scratch database, Redis and files…`);
});

const cores = os.availableParallelism();
const bytesOf = (dir: string) => Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split(/\s/)[0]);
const fmtBytes = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);

try {
  const setup = phase("setup: scratch database", 1, "", "create + migrate");
  const scratch = await createScratchDatabase(baseDatabaseUrl);
  onCleanup(`drop database ${scratch.name}`, () => scratch.drop());
  const db = createPrismaClient(scratch.url);
  onCleanup("disconnect Prisma", () => db.$disconnect());
  setup.done(scratch.name);

  const seed = { customers: Math.max(recipients, 100), orders: 120_000 };
  const seedBar = phase("setup: seed customers + orders", seed.customers + seed.orders, "rows");
  await seedDemoData(db, { ...seed, onProgress: (done) => seedBar.update(done) });
  seedBar.done();
  // The last whole month of the dataset: every statement is of it.
  const { month } = (await db.$queryRaw<{ month: string }[]>`select to_char(max(ordered_at) at time zone 'UTC', 'YYYY-MM') as month from orders`)[0]!;

  const reportsDir = await mkdtemp(path.join(os.tmpdir(), "backline-bench-campaign-"));
  onCleanup("remove REPORTS_DIR", () => rm(reportsDir, { recursive: true, force: true }));
  const redisDir = await mkdtemp(path.join(os.tmpdir(), "backline-bench-redis-"));
  onCleanup("remove the Redis folder", () => rm(redisDir, { recursive: true, force: true }));
  const redis = await startOwnRedis(redisDir);
  const smtp = await startSmtpSink({ keep: "headers" });
  onCleanup("stop the SMTP sink", () => smtp.close());
  const appPort = await freePort();
  const stack = { databaseUrl: scratch.url, redisUrl: redis.url, reportsDir, appUrl: `http://127.0.0.1:${appPort}`, smtpUrl: smtp.url };

  // ---- the ceiling: the same statement, rendered and emailed in a plain loop per core
  const bareCustomer = await db.customer.findFirstOrThrow({ orderBy: { id: "asc" }, select: { id: true } });
  const bare = await runBare({ cores, perLoop: barePerLoop, month, customerId: bareCustomer.id, stack });
  smtp.reset();

  // ---- the stack
  const prefix = uniqueQueuePrefix("bench-campaign");
  const env = { ADMIN_EMAILS: ADMIN };
  const web = await startWeb({ ...stack, queuePrefix: prefix }, appPort, { env });
  const workers: WorkerProcess[] = [];
  for (let i = 0; i < workerCount; i++) workers.push(await startWorker({ ...stack, queuePrefix: prefix }, { name: `worker-${i + 1}`, env }));
  const info = new Redis(redis.url);
  const redisPid = Number(/process_id:(\d+)/.exec(await info.info("server"))?.[1]);
  info.disconnect();
  const samplers: [string, RssSampler][] = [
    ["web", sampleRss(web.pid, 1000)],
    ...workers.map((w, i) => [`worker ${i + 1}`, sampleRss(w.proc.pid, 1000)] as [string, RssSampler]),
    ["redis-server", sampleRss(redisPid, 1000)],
  ];
  const sizes = async () =>
    (
      await db.$queryRaw<{ database: bigint; recipients: bigint }[]>`
        select pg_database_size(current_database()) as database, pg_total_relation_size('campaign_recipients') as recipients`
    )[0]!;
  const before = await sizes();

  const pool = sessionPool(scratch.url, "bench-campaign");
  onCleanup("close the session pool", () => pool.end());
  const cookieFor = sessionCache(pool);
  // The typed API client (@backline/api-client), signed in as each.
  const api = { baseUrl: stack.appUrl, cookieFor };
  const [admin, person] = await Promise.all([clientFor(api, ADMIN), clientFor(api, PERSON)]);

  // ---- the campaign, and a person's reports while it runs
  const startedAt = Date.now();
  const created = await answered(
    admin.POST("/api/campaigns", { body: { type: "customer-statement", params: { month }, audience: { kind: "all-customers" } } }),
  );
  if (created.status !== 202 || !created.body) throw new Error(`POST /api/campaigns answered ${created.status}: ${created.error}`);
  const campaign = created.body;
  const interactive: string[] = [];
  const asking = setInterval(() => {
    void answered(person.POST("/api/reports", { body: { type: "sales-summary" } })).then((r) =>
      r.status === 202 && r.body ? interactive.push(r.body.id) : log(`[bench] a report request answered ${r.status || `nothing (${r.error})`}`),
    );
  }, INTERACTIVE_EVERY_MS);
  const bar = phase(`campaign → ${campaign.total.toLocaleString("en-US")}`, campaign.total, "recipients");
  let finishedAt = 0;
  while (!interrupted()) {
    const [row] = await db.$queryRaw<{ status: string; done: bigint; finished_at: Date | null }[]>`
      select c.status, c.finished_at, (select count(*) from campaign_recipients r where r.campaign_id = c.id and r.status in ('sent', 'failed', 'skipped')) as done
      from campaigns c where c.id = ${campaign.id}::uuid`;
    const done = Number(row!.done);
    const seconds = (Date.now() - startedAt) / 1000;
    bar.update(done, `${(done / seconds).toFixed(1)} emails/s, ${interactive.length} reports asked`);
    if (row!.status !== "running" && row!.status !== "scheduled") {
      finishedAt = row!.finished_at?.getTime() ?? Date.now();
      if (row!.status !== "completed") throw new Error(`the campaign ended ${row!.status}`);
      break;
    }
    if (Date.now() - startedAt > 2 * 3600_000) throw new Error("the campaign did not finish within two hours");
    await new Promise((r) => setTimeout(r, 2000));
  }
  clearInterval(asking);
  bar.done();
  const rss = samplers.map(([name, s]) => [name, s.stop()] as const);
  const after = await sizes();
  const wallMs = finishedAt - startedAt;

  // ---- what the sink and the ledger say
  const perRecipient = new Map<string, number>();
  for (const m of smtp.accepted) {
    if (m.xHeaders["x-campaign-id"] !== campaign.id) continue;
    const r = m.xHeaders["x-campaign-recipient"]!;
    perRecipient.set(r, (perRecipient.get(r) ?? 0) + 1);
  }
  const [ledger] = await db.$queryRaw<{ sent: bigint; failed: bigint; skipped: bigint; resends: bigint; pdf_bytes: bigint }[]>`
    select count(*) filter (where status = 'sent') as sent, count(*) filter (where status = 'failed') as failed,
           count(*) filter (where status = 'skipped') as skipped, coalesce(sum(resends), 0) as resends, coalesce(sum(file_bytes), 0) as pdf_bytes
    from campaign_recipients where campaign_id = ${campaign.id}::uuid`;
  const extraCopies = [...perRecipient.values()].reduce((n, c) => n + c - 1, 0);
  const duplicates = Math.max(0, extraCopies - Number(ledger!.resends));

  // ---- interactive reports: queue wait = from accepted to a worker starting it
  await waitForReports(db, interactive);
  const waits = await db.$queryRaw<{ wait_ms: number; total_ms: number }[]>`
    select extract(epoch from started_at - created_at) * 1000 as wait_ms, extract(epoch from finished_at - created_at) * 1000 as total_ms
    from reports where id = any(${interactive}::uuid[]) and started_at is not null`;
  const wait = summarize(waits.map((w) => Number(w.wait_ms)));
  const total = summarize(waits.map((w) => Number(w.total_ms)));

  // ---- retention: what it cost, and what housekeeping gives back
  const folder = path.join(reportsDir, campaignPdfFolder(campaign.id));
  const diskBefore = bytesOf(folder);
  const purgeStart = Date.now();
  const purged = await purgeExpiredCampaigns(db, fileStorage(reportsDir), 30, new Date(Date.now() + 31 * 86_400_000));
  const purgeMs = Date.now() - purgeStart;
  await db.$executeRawUnsafe("vacuum full campaign_recipients");
  const afterPurge = await sizes();
  const diskAfter = existsSync(folder) ? bytesOf(folder) : 0;

  // ---- report
  const emailsPerS = Number(ledger!.sent) / (wallMs / 1000);
  const share = emailsPerS / bare.rate;
  const perRecipientBytes = (n: bigint | number) => `${(Number(n) / campaign.total).toFixed(0)} B/recipient`;
  stopProgress();
  console.log(`\nCampaign of ${campaign.total.toLocaleString("en-US")} one-page statements (${month}), ${workerCount} worker processes, ${cores} cores\n`);
  console.log(
    table(
      ["", "wall", "emails/s", "emails", "of bare loop"],
      [
        [`bare loop ×${cores} (render + send, no DB)`, fmtSeconds(bare.wallMs), fmtRate(bare.rate), String(bare.count), "100 %"],
        [`campaign, ${workerCount} workers`, fmtSeconds(wallMs), fmtRate(emailsPerS), String(ledger!.sent), fmtPct(share)],
      ],
    ),
  );
  console.log(
    `\nLedger: sent ${ledger!.sent}, failed ${ledger!.failed}, skipped ${ledger!.skipped}; resends (same Message-ID) ${ledger!.resends}; the sink got ${perRecipient.size} recipients, ${extraCopies} extra copies → duplicates ${duplicates}`,
  );
  console.log(
    `\nA person's reports during it (${waits.length} asked, one every ${INTERACTIVE_EVERY_MS / 1000} s): queue wait p50 ${fmtMs(wait.p50)}, p95 ${fmtMs(wait.p95)}, max ${fmtMs(wait.max)}; accepted → sent p50 ${fmtMs(total.p50)}, p95 ${fmtMs(total.p95)}`,
  );
  console.log(`\nPeak RSS (sampled; VmHWM):`);
  console.log(
    table(
      ["process", "sampled", "VmHWM"],
      rss.map(([name, peak]) => [name, fmtMiB(peak.sampledKiB), fmtMiB(peak.hwmKiB)]),
    ),
  );
  console.log(
    `\nStorage: PDFs ${fmtBytes(diskBefore)} on disk (${perRecipientBytes(diskBefore)}); Postgres grew ${fmtBytes(Number(after.database - before.database))}, the ledger table ${fmtBytes(Number(after.recipients))} (${perRecipientBytes(after.recipients)}).`,
  );
  console.log(
    `Retention (CAMPAIGN_RETENTION_DAYS later): housekeeping purged ${purged.length} campaign in ${fmtSeconds(purgeMs)}; its PDFs left: ${fmtBytes(diskAfter)}, the ledger table ${fmtBytes(Number(afterPurge.recipients))} after VACUUM FULL (${perRecipientBytes(afterPurge.recipients)}).`,
  );

  const workerPeak = Math.max(...rss.filter(([n]) => n.startsWith("worker")).map(([, p]) => p.sampledKiB));
  const targets: [string, boolean, string][] = [
    [`all in ≤ ${TARGETS.wallMs / 60_000} min`, wallMs <= TARGETS.wallMs, fmtSeconds(wallMs)],
    [`≥ ${fmtPct(TARGETS.bareShare)} of the bare loop`, share >= TARGETS.bareShare, fmtPct(share)],
    [`interactive queue wait p95 ≤ ${TARGETS.interactiveP95Ms / 1000} s`, waits.length > 0 && wait.p95 <= TARGETS.interactiveP95Ms, fmtMs(wait.p95)],
    [`worker RSS ≤ ${TARGETS.workerRssKiB / 1024} MB each`, workerPeak <= TARGETS.workerRssKiB, fmtMiB(workerPeak)],
    [
      "every recipient sent or failed, duplicates 0",
      Number(ledger!.sent) + Number(ledger!.failed) + Number(ledger!.skipped) === campaign.total && duplicates === 0,
      `duplicates ${duplicates}`,
    ],
  ];
  const allPassed = printTargets(targets);
  console.log(`\n(total ${fmtSeconds(totalElapsedMs())}; 1-minute load average at the end ${os.loadavg()[0]!.toFixed(2)})`);
  if (!allPassed) exitCode = 1;
} catch (err) {
  stopProgress();
  console.error(`[bench] ${(err as Error).stack ?? err}`);
  exitCode = 1;
} finally {
  await runCleanup();
}
process.exit(exitCode);

/** `cores` bare loops started together, `perLoop` statements each. */
async function runBare(o: {
  cores: number;
  perLoop: number;
  month: string;
  customerId: number;
  stack: { databaseUrl: string; reportsDir: string; appUrl: string; smtpUrl: string };
}): Promise<{ wallMs: number; rate: number; count: number }> {
  const count = o.cores * o.perLoop;
  const bar = phase(`bare loop ×${o.cores}`, count, "statements", "starting");
  const procs = Array.from({ length: o.cores }, (_, i) =>
    startProcess(`campaign-bare-${i + 1}`, process.execPath, ["--import", "tsx", path.join(repoRoot, "bench/campaign-bare-loop.ts")], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: o.stack.databaseUrl,
        SMTP_URL: o.stack.smtpUrl,
        APP_URL: o.stack.appUrl,
        BENCH_COUNT: String(o.perLoop),
        BENCH_OUT_DIR: o.stack.reportsDir,
        BENCH_CUSTOMER_ID: String(o.customerId),
        BENCH_MONTH: o.month,
      },
    }),
  );
  try {
    await Promise.all(procs.map((p) => p.waitForLine(/"event":"ready"/, 60_000)));
    const progress = new Map<number, number>();
    for (const [i, p] of procs.entries()) {
      p.child.stdout!.on("data", (chunk: Buffer) => {
        for (const m of chunk.toString().matchAll(/"event":"progress","count":(\d+)/g)) progress.set(i, Number(m[1]));
        bar.update(
          [...progress.values()].reduce((a, b) => a + b, 0),
          "rendering + sending",
        );
      });
    }
    const goAt = Date.now();
    for (const p of procs) process.kill(p.pid, "SIGUSR2");
    const done = await Promise.all(
      procs.map((p) => p.waitForLine(/"event":"done"/, 60_000 + o.perLoop * 2000).then((line) => JSON.parse(line) as { startedAt: number; endedAt: number })),
    );
    const wallMs = Math.max(...done.map((d) => d.endedAt)) - Math.min(goAt, ...done.map((d) => d.startedAt));
    const rate = count / (wallMs / 1000);
    bar.done(`${rate.toFixed(1)} statements/s`);
    return { wallMs, rate, count };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

/** Every interactive report final (sent, or failed), or two minutes passed. */
async function waitForReports(db: ReturnType<typeof createPrismaClient>, ids: string[]): Promise<void> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const open = await db.report.count({ where: { id: { in: ids }, status: { in: ["queued", "generating", "emailing"] } } });
    if (open === 0) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  log("[bench] some of the person's reports were still in flight after two minutes");
}
