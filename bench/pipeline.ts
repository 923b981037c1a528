// Pipeline benchmark: N sales-summary reports through a real worker process
// (queue → Postgres status changes → PDF → SMTP), against a bare loop doing
// the same render + send without the queue and the database.
import path from "node:path";
import { createReport, ensureUser, type PrismaClient } from "@backline/db";
import { QUEUES, createProducerQueue, enqueue } from "@backline/queue";
import { salesSummary } from "@backline/reports";
import { deleteQueueKeys, repoRoot, startProcess, startWorker, type SmtpSink, type StackEnv } from "@backline/test-kit";
import type pg from "pg";
import { phase } from "./progress.ts";
import { sampleRss, type RssPeak } from "./rss.ts";

export interface PipelineContext {
  stack: Omit<StackEnv, "queuePrefix" | "smtpUrl">;
  /** Base queue prefix; each run gets `<base>-c<concurrency>`. */
  prefixBase: string;
  smtp: SmtpSink;
  db: PrismaClient;
  pg: pg.Client;
}

/** The queue prefix of the worker run at this concurrency. */
export const pipelineQueuePrefix = (base: string, concurrency: number) => `${base}-c${concurrency}`;

export interface BareResult {
  loops: number;
  count: number;
  wallMs: number;
  rate: number;
  emails: number;
  avgPdfBytes: number;
  avgPages: number;
  rss: RssPeak[];
}

/** Runs `loops` bare-loop processes in parallel, `count` reports in total, started together. */
export async function runBareLoops(ctx: PipelineContext, loops: number, count: number): Promise<BareResult> {
  const per = Array.from({ length: loops }, (_, i) => Math.floor(count / loops) + (i < count % loops ? 1 : 0));
  const bar = phase(`pipeline bare loop ×${loops}`, count, "reports", "starting");
  ctx.smtp.reset();
  const procs = per.map((n, i) =>
    startProcess(`bare-loop-${i + 1}`, process.execPath, ["--import", "tsx", path.join(repoRoot, "bench/bare-loop.ts")], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: ctx.stack.databaseUrl,
        SMTP_URL: ctx.smtp.url,
        APP_URL: ctx.stack.appUrl,
        BENCH_COUNT: String(n),
        BENCH_OUT_DIR: ctx.stack.reportsDir,
      },
    }),
  );
  try {
    await Promise.all(procs.map((p) => p.waitForLine(/"event":"ready"/, 60_000)));
    const samplers = procs.map((p) => sampleRss(p.pid));
    const progress = new Map<number, number>();
    for (const [i, p] of procs.entries()) {
      p.child.stdout!.on("data", (chunk: Buffer) => {
        for (const m of chunk.toString().matchAll(/"event":"progress","done":(\d+)/g)) progress.set(i, Number(m[1]));
        bar.update(
          [...progress.values()].reduce((a, b) => a + b, 0),
          "rendering + sending",
        );
      });
    }
    const goAt = Date.now();
    for (const p of procs) process.kill(p.pid, "SIGUSR2");
    const timeoutMs = 60_000 + count * 2_000;
    const done = await Promise.all(
      procs.map((p) =>
        p
          .waitForLine(/"event":"done"/, timeoutMs)
          .then((line) => JSON.parse(line) as { startedAt: number; endedAt: number; count: number; bytes: number; pages: number }),
      ),
    );
    const rss = samplers.map((s) => s.stop());
    const endedAt = Math.max(...done.map((d) => d.endedAt));
    const wallMs = endedAt - Math.min(goAt, ...done.map((d) => d.startedAt));
    bar.done(`${(count / (wallMs / 1000)).toFixed(2)} reports/s`);
    return {
      loops,
      count,
      wallMs,
      rate: count / (wallMs / 1000),
      emails: ctx.smtp.accepted.length,
      avgPdfBytes: done.reduce((s, d) => s + d.bytes, 0) / count,
      avgPages: done.reduce((s, d) => s + d.pages, 0) / count,
      rss,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

export interface WorkerRunResult {
  concurrency: number;
  count: number;
  wallMs: number;
  rate: number;
  sent: number;
  failed: number;
  other: number;
  emails: number;
  /** Emails whose X-Report-Id is one of this run's reports (each counted once). */
  distinctReportEmails: number;
  duplicateEmails: number;
  timedOut: boolean;
  rss: RssPeak;
}

/**
 * One worker process at WORKER_CONCURRENCY=c. The N rows and jobs exist before
 * the worker starts, and the clock runs from the worker's own "worker ready"
 * log time to the last report's finished_at (both stamped on this machine's
 * clock), so neither enqueueing nor process start-up is counted.
 */
export async function runWorker(ctx: PipelineContext, concurrency: number, count: number): Promise<WorkerRunResult> {
  const queuePrefix = pipelineQueuePrefix(ctx.prefixBase, concurrency);
  const bar = phase(`pipeline worker c=${concurrency}`, count, "sent", "creating reports");

  // A clean reports table per run: the ack benchmark left thousands of rows,
  // and counting only this run's rows keeps the poll query trivial.
  await ctx.pg.query("TRUNCATE reports CASCADE");
  const params = salesSummary.params.parse({});
  const queue = createProducerQueue(QUEUES.reports, { redisUrl: ctx.stack.redisUrl, prefix: queuePrefix });
  const ids: string[] = [];
  const owner = await ensureUser(ctx.db, "bench@example.com");
  try {
    for (let i = 0; i < count; i += 25) {
      const batch = await Promise.all(Array.from({ length: Math.min(25, count - i) }, () => createReport(ctx.db, { type: salesSummary.id, params, owner })));
      await Promise.all(batch.map((r) => enqueue(queue, "generate-report", { reportId: r.id }, { jobId: r.id })));
      ids.push(...batch.map((r) => r.id));
      bar.update(0, `created ${ids.length}`);
    }
  } finally {
    await queue.close();
  }

  ctx.smtp.reset();
  bar.update(0, "starting worker");
  const { proc, readyAt } = await startWorker({ ...ctx.stack, queuePrefix, smtpUrl: ctx.smtp.url }, { concurrency, name: `worker(c=${concurrency})` });
  const sampler = sampleRss(proc.pid);
  const timeoutMs = 60_000 + count * 2_000;
  const deadline = Date.now() + timeoutMs;
  let counts: Record<string, number> = {};
  let timedOut = false;
  let rss: RssPeak;
  try {
    for (;;) {
      const { rows } = await ctx.pg.query<{ status: string; n: string }>("SELECT status, count(*) AS n FROM reports GROUP BY status");
      counts = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      const sent = counts.sent ?? 0;
      const failed = counts.failed ?? 0;
      bar.update(sent, `failed ${failed}, emails ${ctx.smtp.accepted.length}`);
      if (sent + failed >= count) break;
      if (proc.child.exitCode !== null) throw new Error(`worker exited (${proc.child.exitCode}) mid-run\n${proc.tail()}`);
      if (Date.now() > deadline) {
        timedOut = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    rss = sampler.stop();
    await proc.stop();
    await deleteQueueKeys(ctx.stack.redisUrl, queuePrefix);
  }

  const { rows } = await ctx.pg.query<{ last: Date | null }>("SELECT max(finished_at) AS last FROM reports WHERE status = 'sent'");
  const lastAt = rows[0]?.last?.getTime() ?? Date.now();
  const wallMs = lastAt - readyAt;
  const sent = counts.sent ?? 0;
  const failed = counts.failed ?? 0;
  const idSet = new Set(ids);
  let distinct = 0;
  let duplicates = 0;
  for (const [id, copies] of ctx.smtp.byReport) {
    if (!idSet.has(id)) continue;
    distinct += 1;
    duplicates += copies.length - 1;
  }
  bar.done(`${(sent / (wallMs / 1000)).toFixed(2)} reports/s`);
  return {
    concurrency,
    count,
    wallMs,
    rate: sent / (wallMs / 1000),
    sent,
    failed,
    other: count - sent - failed,
    emails: ctx.smtp.accepted.length,
    distinctReportEmails: distinct,
    duplicateEmails: duplicates,
    timedOut,
    rss,
  };
}
