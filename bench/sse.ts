// Status-push lag benchmark: time from the worker recording progress
// (recordProgress → publishReportChange, exactly as the worker's processor
// does) to an open status page receiving the SSE `update`, with many pages
// open on the same report; and the memory an open SSE connection costs the
// web process.
//
// The "pages" are Node SSE clients in this process (sse-client.ts), standing
// in for browsers; the "worker" is this process too. So every timestamp —
// t0 before the Postgres write, the publish, each client's receipt — is read
// from one clock, with no cross-process clock skew.
import http from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createReport, ensureUser, recordProgress, transitionReport, type PrismaClient, type Report } from "@backline/db";
import { createRedis } from "@backline/queue";
import { publishReportChange } from "@backline/report-service";
import { TEST_SECRETS, createSessionCookie, startWeb, type StackEnv } from "@backline/test-kit";
import pg from "pg";
import { TARGETS, warmUp } from "./ack.ts";
import { phase } from "./progress.ts";
import { processTree, sampleRss, type RssPeak, readStatus } from "./rss.ts";
import { nowMs, openSse, type SseClient, type SseFrame } from "./sse-client.ts";
import { fmtMiB, fmtMs, summarize, table, type LatencySummary } from "./stats.ts";
import os from "node:os";

export const SSE_SETTINGS = {
  /** Open status pages on the report being updated. */
  pages: 50,
  /** Reports run one after another; each gets `steps` progress writes (1 % … steps %). */
  reports: 5,
  steps: 100,
  /** One progress write every this many ms (fixed schedule), per report. */
  intervalMs: 15,
  /** Untimed warm-up round first (route module, Prisma pool, Redis subscription, JIT). */
  warmUpSteps: 20,
  /** Idle SSE connections opened for the memory figure. */
  idleConnections: 500,
  targetP95Ms: 250,
  /** How long to wait for the last deliveries after the last write. */
  drainMs: 5_000,
  connectTimeoutMs: 30_000,
} as const;

const WORKER_ID = "bench-sse-worker";
/** Owns every report of this phase; the pages are that user's browser tabs (its session cookie). */
const OWNER = "bench-sse@example.com";
const STAGE = (k: number) => `Rendering page ${k}`;
/** The worker's throttle marks the first write and every 10 % step as a milestone (an event in the history). */
const isMilestone = (k: number) => k === 1 || k % 10 === 0;

export interface SseResult {
  pages: number;
  updates: number;
  reports: number;
  intervalMs: number;
  achievedIntervalMs: number;
  expectedDeliveries: number;
  received: number;
  missing: number;
  duplicates: number;
  outOfOrder: number;
  historyExpected: number;
  historyMissing: number;
  nullWrites: number;
  encoding: string | null;
  /** receive − t0 over every (update, client). */
  lag: LatencySummary;
  /** Per update, the slowest of the clients (only updates every client got). */
  lastOfPages: LatencySummary;
  /** Per update, the fastest client. */
  firstOfPages: LatencySummary;
  /** recordProgress alone (Postgres transaction). */
  dbWrite: LatencySummary;
  /** From handing the change to publishReportChange to each client's receipt (Redis → web → SSE). */
  publishToReceive: LatencySummary;
  /** Event-loop delay of the bench process itself while timing (its lateness is part of the lags). */
  benchLoopDelayP99Ms: number;
  /** GET /api/health every 50 ms while the writes are timed: shows stalls of the whole web process. */
  health: { summary: LatencySummary; errors: number };
  /** 1-minute load average before and after the timed rounds (the machine may be shared). */
  loadAvg: [number, number];
  perReportP95: number[];
  benchLoopDelayMaxMs: number;
  memory: SseMemory;
  webRss: RssPeak;
}

export interface SseMemory {
  connections: number;
  opened: number;
  liveCheckReceived: number;
  coldRssKiB: number;
  beforeRssKiB: number;
  afterRssKiB: number;
  afterCloseRssKiB: number;
  hwmKiB: number;
  perConnectionKiB: number;
  /** Least-squares slope of VmRSS over open connections (KiB per connection). */
  slopeKiB: number;
  steps: { conns: number; rssKiB: number }[];
  processes: string;
}

// ---------------------------------------------------------------- memory readings

/** VmRSS and VmHWM summed over the web process tree (the server and any child it starts). */
function treeMemory(root: number): { rss: number; hwm: number; names: string } {
  let rss = 0;
  let hwm = 0;
  const names: string[] = [];
  for (const pid of processTree(root)) {
    const s = readStatus(pid);
    if (!s) continue;
    rss += s.rss;
    hwm += s.hwm;
    names.push(`${pid} "${s.name}" ${fmtMiB(s.rss)}`);
  }
  return { rss, hwm, names: names.join(", ") };
}

/** Median of `n` VmRSS readings `gapMs` apart: one reading can land on a GC high or low. */
async function settledRss(root: number, n = 5, gapMs = 300): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) await sleep(gapMs);
    readings.push(treeMemory(root).rss);
  }
  readings.sort((a, b) => a - b);
  return readings[Math.floor(n / 2)]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `done()` or the deadline; returns whether it got there. Bounded by `timeoutMs`. */
async function until(done: () => boolean, timeoutMs: number, stepMs = 5): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(stepMs);
  }
  return true;
}

// ---------------------------------------------------------------- one report, many pages

interface Ctx {
  port: number;
  db: PrismaClient;
  publisher: ReturnType<typeof createRedis>;
  prefix: string;
  agent: http.Agent;
  /** Cookie header value: OWNER's session (the event stream is only for the report's owner). */
  cookie: string;
}

/** A report in `generating`, as the worker leaves it when it starts (so recordProgress is accepted). */
async function generatingReport(ctx: Ctx): Promise<Report> {
  const created = await createReport(ctx.db, { type: "sales-summary", params: {}, owner: await ensureUser(ctx.db, OWNER) });
  const started = await transitionReport(ctx.db, created.id, "generating", {
    message: "Attempt started",
    workerId: WORKER_ID,
    newAttempt: true,
    data: { startedAt: new Date(), finishedAt: null, progress: 0, stage: "Querying data" },
  });
  if (!started) throw new Error(`could not move report ${created.id} to generating`);
  await publishReportChange(ctx.publisher, ctx.prefix, started);
  return started.report;
}

interface Page {
  client: SseClient;
  snapshot: boolean;
  /** receivedAt per progress value (index = percent), NaN until received. */
  got: Float64Array;
  duplicates: number;
  outOfOrder: number;
  lastProgress: number;
  history: number;
  status: number;
  encoding: string | null;
  /** Stage of the last update, for the memory phase's liveness check. */
  lastStage: string | null;
}

/** Opens `count` status pages on one report; resolves once every one has its snapshot. */
async function openPages(ctx: Ctx, reportId: string, count: number, steps: number): Promise<Page[]> {
  const pages: Page[] = [];
  for (let c = 0; c < count; c++) {
    const page: Page = {
      client: null as unknown as SseClient,
      snapshot: false,
      got: new Float64Array(steps + 1).fill(Number.NaN),
      duplicates: 0,
      outOfOrder: 0,
      lastProgress: -1,
      history: 0,
      status: 0,
      encoding: null,
      lastStage: null,
    };
    page.client = openSse(
      ctx.agent,
      ctx.port,
      `/api/reports/${reportId}/events`,
      (frame: SseFrame, at: number) => {
        if (frame.event === "update") {
          const { report } = JSON.parse(frame.data) as { report: { id: string; progress: number; stage: string | null }; publishedAt: number };
          if (report.id !== reportId) return;
          page.lastStage = report.stage;
          const k = report.progress;
          if (report.stage !== STAGE(k) || k < 1 || k > steps) return; // not one of the timed writes
          if (!Number.isNaN(page.got[k]!)) page.duplicates += 1;
          else page.got[k] = at;
          if (k < page.lastProgress) page.outOfOrder += 1;
          page.lastProgress = Math.max(page.lastProgress, k);
        } else if (frame.event === "snapshot") {
          page.snapshot = true;
        } else if (frame.event === "history") {
          if (/^Rendering page \d+$/.test((JSON.parse(frame.data) as { message: string }).message)) page.history += 1;
        }
      },
      { timeoutMs: SSE_SETTINGS.connectTimeoutMs, cookie: ctx.cookie },
    );
    page.client.opened.then(
      (o) => ((page.status = o.status), (page.encoding = o.encoding)),
      () => {},
    );
    pages.push(page);
  }
  const ok = await until(() => pages.every((p) => p.snapshot || (p.status !== 0 && p.status !== 200)), SSE_SETTINGS.connectTimeoutMs, 10);
  const bad = pages.filter((p) => !p.snapshot);
  if (!ok || bad.length > 0) {
    closePages(pages);
    const statuses = [...new Set(bad.map((p) => p.status))].join(", ");
    throw new Error(
      `${bad.length} of ${count} SSE clients did not get a snapshot within ${SSE_SETTINGS.connectTimeoutMs} ms (HTTP statuses: ${statuses || "none"})`,
    );
  }
  return pages;
}

function closePages(pages: Page[]) {
  for (const p of pages) p.client.close();
}

interface RoundTimings {
  t0: Float64Array;
  written: Float64Array;
  nullWrites: number;
  pages: Page[];
}

/**
 * One report: `pages` clients connect and get their snapshot, then `steps`
 * progress writes 1 … steps % on a fixed schedule, each exactly what the
 * worker does: recordProgress, then publishReportChange with its result.
 */
async function runRound(ctx: Ctx, steps: number, onStep?: (k: number) => void, probe?: Probe): Promise<RoundTimings> {
  const report = await generatingReport(ctx);
  const pages = await openPages(ctx, report.id, SSE_SETTINGS.pages, steps);
  const t0 = new Float64Array(steps + 1).fill(Number.NaN);
  const written = new Float64Array(steps + 1).fill(Number.NaN);
  let nullWrites = 0;
  // Only while the writes are timed (not while 50 pages connect between rounds).
  const canary = probe && startCanary(ctx.port, probe);
  try {
    const start = nowMs() + 20;
    for (let k = 1; k <= steps; k++) {
      const due = start + (k - 1) * SSE_SETTINGS.intervalMs;
      const wait = due - nowMs();
      if (wait > 0) await sleep(wait);
      t0[k] = nowMs();
      const change = await recordProgress(ctx.db, report.id, { percent: k, stage: STAGE(k), milestone: isMilestone(k), workerId: WORKER_ID });
      written[k] = nowMs();
      if (!change) nullWrites += 1;
      await publishReportChange(ctx.publisher, ctx.prefix, change);
      onStep?.(k);
    }
    const milestones = [...Array(steps)].filter((_, i) => isMilestone(i + 1)).length;
    await until(() => pages.every((p) => !Number.isNaN(p.got[steps]!) && p.history >= milestones), SSE_SETTINGS.drainMs, 5);
    // A straggler behind the last one (out of order) gets a moment too.
    await until(() => pages.every((p) => p.got.every((v, i) => i === 0 || !Number.isNaN(v))), 200, 10);
  } finally {
    await canary?.stop();
    closePages(pages);
    await Promise.race([Promise.all(pages.map((p) => p.client.closed)), sleep(5_000)]);
  }
  return { t0, written, nullWrites, pages };
}

/**
 * A light probe of the web process itself while the lag is timed: one
 * GET /api/health every 50 ms (latency from its due time). A push-lag spike
 * that coincides with a health spike is a stall of the whole process (GC,
 * CPU starvation on a busy machine), not something SSE-specific.
 */
interface Probe {
  latencies: number[];
  errors: number;
}

function startCanary(port: number, probe: Probe, everyMs = 50): { stop(): Promise<void> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const latencies = probe.latencies;
  const inflight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const due = nowMs();
    const done = new Promise<void>((resolve) => {
      const req = http.get({ host: "127.0.0.1", port, path: "/api/health", agent }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode === 200) latencies.push(nowMs() - due);
          else probe.errors += 1;
          resolve();
        });
      });
      req.setTimeout(5_000, () => req.destroy(new Error("timeout")));
      req.on("error", () => ((probe.errors += 1), resolve()));
    });
    inflight.add(done);
    void done.then(() => inflight.delete(done));
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.race([Promise.all(inflight), sleep(6_000)]);
      agent.destroy();
    },
  };
}

// ---------------------------------------------------------------- the benchmark

export async function benchSse(stack: StackEnv, port: number, db: PrismaClient): Promise<SseResult> {
  const S = SSE_SETTINGS;
  const start = phase("sse: start web (next start)", 1, "", `port ${port}`);
  const web = await startWeb(stack, port);
  const webSampler = sampleRss(web.pid);
  start.done();
  await sleep(1000);
  const coldRssKiB = await settledRss(web.pid, 3, 200);

  const cookie = await ownerCookie(stack.databaseUrl);
  const publisher = createRedis(stack.redisUrl, "worker");
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const ctx: Ctx = { port, db, publisher, prefix: stack.queuePrefix, agent, cookie };
  try {
    // ------------------------------------------------ memory (fresh server)
    const memory = await measureConnectionMemory(ctx, web.pid, coldRssKiB);

    // ------------------------------------------------ lag
    const warm = phase("sse: warm-up", S.warmUpSteps, "updates", `${S.pages} pages, untimed`);
    await runRound(ctx, S.warmUpSteps, (k) => warm.update(k));
    warm.done();

    const total = S.reports * S.steps;
    const bar = phase("sse: push lag", total, "updates", `${S.pages} pages × ${S.reports} reports, 1 write / ${S.intervalMs} ms`);
    await warmUp(port, TARGETS.health, 50, 2); // the probe's route must not be cold
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const loadBefore = os.loadavg()[0]!;
    const probe: Probe = { latencies: [], errors: 0 };
    const rounds: RoundTimings[] = [];
    try {
      for (let r = 0; r < S.reports; r++) {
        rounds.push(await runRound(ctx, S.steps, (k) => k % 10 === 0 && bar.update(r * S.steps + k), probe));
      }
    } finally {
      loop.disable();
    }
    const health = { summary: summarize(probe.latencies), errors: probe.errors };
    const loadAfter = os.loadavg()[0]!;
    bar.done();

    const lags: number[] = [];
    const pubToRecv: number[] = [];
    const lastOf: number[] = [];
    const firstOf: number[] = [];
    const dbWrite: number[] = [];
    const gaps: number[] = [];
    let received = 0;
    let duplicates = 0;
    let outOfOrder = 0;
    let nullWrites = 0;
    let historyMissing = 0;
    const milestonesPerRound = [...Array(S.steps)].filter((_, i) => isMilestone(i + 1)).length;
    let encoding: string | null = null;
    for (const round of rounds) {
      nullWrites += round.nullWrites;
      for (const p of round.pages) {
        duplicates += p.duplicates;
        outOfOrder += p.outOfOrder;
        historyMissing += Math.max(0, milestonesPerRound - p.history);
        encoding ??= p.encoding;
      }
      for (let k = 1; k <= S.steps; k++) {
        dbWrite.push(round.written[k]! - round.t0[k]!);
        if (k > 1) gaps.push(round.t0[k]! - round.t0[k - 1]!);
        let worst = -Infinity;
        let best = Infinity;
        let all = true;
        for (const p of round.pages) {
          const at = p.got[k]!;
          if (Number.isNaN(at)) {
            all = false;
            continue;
          }
          received += 1;
          const lag = at - round.t0[k]!;
          lags.push(lag);
          pubToRecv.push(at - round.written[k]!);
          worst = Math.max(worst, lag);
          best = Math.min(best, lag);
        }
        if (all) lastOf.push(worst);
        if (best !== Infinity) firstOf.push(best);
      }
    }
    const expectedDeliveries = total * S.pages;

    const webRss = webSampler.stop();

    return {
      pages: S.pages,
      updates: total,
      reports: S.reports,
      intervalMs: S.intervalMs,
      achievedIntervalMs: summarize(gaps).mean,
      expectedDeliveries,
      received,
      missing: expectedDeliveries - received,
      duplicates,
      outOfOrder,
      historyExpected: milestonesPerRound * S.reports * S.pages,
      historyMissing,
      nullWrites,
      encoding,
      lag: summarize(lags),
      lastOfPages: summarize(lastOf),
      firstOfPages: summarize(firstOf),
      dbWrite: summarize(dbWrite),
      publishToReceive: summarize(pubToRecv),
      health,
      loadAvg: [loadBefore, loadAfter],
      perReportP95: rounds.map((round) => {
        const ls: number[] = [];
        for (let k = 1; k <= S.steps; k++) for (const p of round.pages) if (!Number.isNaN(p.got[k]!)) ls.push(p.got[k]! - round.t0[k]!);
        return summarize(ls).p95;
      }),
      benchLoopDelayP99Ms: loop.percentile(99) / 1e6,
      benchLoopDelayMaxMs: loop.max / 1e6,
      memory,
      webRss,
    };
  } finally {
    agent.destroy();
    publisher.disconnect();
    await web.stop();
  }
}

/** A signed-in session of OWNER's (user and session rows, cookie signed with the web's AUTH_SECRET). */
async function ownerCookie(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "bench-harness" });
  await client.connect();
  try {
    return await createSessionCookie(client, OWNER, TEST_SECRETS.AUTH_SECRET);
  } finally {
    await client.end();
  }
}

/**
 * Memory first, on a fresh server, so the lag rounds' garbage does not blur
 * the baseline: one small warm-up (loads the route, opens the Prisma pool and
 * the Redis subscriber), then VmRSS with nothing open, then after every 100
 * more idle SSE connections up to N (spread over reports, 50 per report, each
 * batch opened at once), then after closing them all. The per-page cost is
 * both (after − before) / N and the least-squares slope over the steps (less
 * sensitive to one reading landing on a GC). One live update per report
 * checks that every one of the N connections is really subscribed.
 */
async function measureConnectionMemory(ctx: Ctx, webPid: number, coldRssKiB: number): Promise<SseMemory> {
  const S = SSE_SETTINGS;
  const n = S.idleConnections;
  const bar = phase("sse: idle connections (RSS)", n, "conns", "warm-up");
  {
    const warm = await generatingReport(ctx);
    const warmPages = await openPages(ctx, warm.id, S.pages, 1);
    await publishReportChange(ctx.publisher, ctx.prefix, await recordProgress(ctx.db, warm.id, { percent: 1, stage: STAGE(1), workerId: WORKER_ID }));
    await until(() => warmPages.every((p) => !Number.isNaN(p.got[1]!)), S.drainMs, 10);
    closePages(warmPages);
    await Promise.race([Promise.all(warmPages.map((p) => p.client.closed)), sleep(5_000)]);
  }
  bar.update(0, "settling");
  await sleep(2000);
  const beforeRssKiB = await settledRss(webPid);

  const reportCount = Math.ceil(n / S.pages);
  const reports: Report[] = [];
  for (let i = 0; i < reportCount; i++) reports.push(await generatingReport(ctx));
  const pages: Page[] = [];
  const steps: { conns: number; rssKiB: number }[] = [{ conns: 0, rssKiB: beforeRssKiB }];
  try {
    // In batches of `pages`, like that many people opening a status page at once.
    for (let i = 0; i < reportCount; i++) {
      const batch = Math.min(S.pages, n - pages.length);
      pages.push(...(await openPages(ctx, reports[i]!.id, batch, 1)));
      bar.update(pages.length, "opening");
      if (pages.length % 100 === 0 || pages.length === n) {
        await sleep(1000);
        steps.push({ conns: pages.length, rssKiB: await settledRss(webPid, 3, 250) });
      }
    }
    bar.update(pages.length, "settling");
    await sleep(1000);
    const afterRssKiB = await settledRss(webPid);
    const tree = treeMemory(webPid);

    // Liveness: one more progress write per report; every connection should get it.
    for (const r of reports) {
      await publishReportChange(ctx.publisher, ctx.prefix, await recordProgress(ctx.db, r.id, { percent: 1, stage: "Memory check", workerId: WORKER_ID }));
    }
    await until(() => pages.every((p) => p.lastStage === "Memory check"), S.drainMs, 10);
    const liveCheckReceived = pages.filter((p) => p.lastStage === "Memory check").length;
    closePages(pages);
    await Promise.race([Promise.all(pages.map((p) => p.client.closed)), sleep(5_000)]);
    await sleep(2000);
    const afterCloseRssKiB = await settledRss(webPid);
    bar.done(`${fmtMiB(afterRssKiB - beforeRssKiB)} for ${n}`);
    return {
      connections: n,
      opened: pages.length,
      liveCheckReceived,
      coldRssKiB,
      beforeRssKiB,
      afterRssKiB,
      afterCloseRssKiB,
      hwmKiB: tree.hwm,
      perConnectionKiB: (afterRssKiB - beforeRssKiB) / pages.length,
      slopeKiB: slope(
        steps.map((x) => x.conns),
        steps.map((x) => x.rssKiB),
      ),
      steps,
      processes: tree.names,
    };
  } finally {
    closePages(pages);
  }
}

/** Least-squares slope of y over x. */
function slope(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i]! - mx) * (y[i]! - my);
    den += (x[i]! - mx) ** 2;
  }
  return den > 0 ? num / den : Number.NaN;
}

// ---------------------------------------------------------------- report

const fmtKiB = (kib: number) => (Number.isFinite(kib) ? `${kib.toFixed(0)} KiB` : "n/a");

export function formatSse(r: SseResult): string[] {
  const S = SSE_SETTINGS;
  const out: string[] = [];
  out.push(
    "",
    `STATUS-PUSH LAG — ${r.updates} progress writes (${r.reports} reports × ${S.steps}, one every ${r.intervalMs} ms, achieved ${r.achievedIntervalMs.toFixed(1)} ms) with ${r.pages} open status pages each`,
    `  lag = SSE \`update\` received by a page − t0 just before recordProgress (recordProgress → publishReportChange, as the worker does); Node SSE clients stand in for browsers`,
  );
  const row = (name: string, s: LatencySummary) => [name, String(s.count), fmtMs(s.p50), fmtMs(s.p95), fmtMs(s.p99), fmtMs(s.max)];
  out.push(
    table(
      ["", "samples", "p50", "p95", "p99", "max"],
      [
        row(`every delivery (update × page)`, r.lag),
        row(`per update: last of ${r.pages} pages`, r.lastOfPages),
        row(`per update: first of ${r.pages} pages`, r.firstOfPages),
        row("  recordProgress (Postgres write)", r.dbWrite),
        row("  publish → page (Redis, web, SSE)", r.publishToReceive),
      ],
    ),
  );
  out.push(
    `  deliveries ${r.received}/${r.expectedDeliveries} (missing ${r.missing}, duplicates ${r.duplicates}, out of order ${r.outOfOrder}); ` +
      `milestone history events missing ${r.historyMissing}/${r.historyExpected}; rejected writes ${r.nullWrites}; ` +
      `response encoding ${r.encoding ?? "none (identity)"}`,
    `  p95 per report (run one after another): ${r.perReportP95.map(fmtMs).join(" / ")}`,
    `  web process probe, GET /api/health every 50 ms during the writes: p50 ${fmtMs(r.health.summary.p50)}, p99 ${fmtMs(r.health.summary.p99)}, max ${fmtMs(r.health.summary.max)} (${r.health.summary.count} ok, ${r.health.errors} errors) — spikes here too mean the whole web process stalled`,
    `  bench process event-loop delay while timing: p99 ${fmtMs(r.benchLoopDelayP99Ms)}, max ${fmtMs(r.benchLoopDelayMaxMs)} (part of the lags: the pages and the writer share it)`,
    `  machine load (1-min average) before / after the timed rounds: ${r.loadAvg[0].toFixed(2)} / ${r.loadAvg[1].toFixed(2)} on ${os.availableParallelism()} cores${Math.max(...r.loadAvg) > os.availableParallelism() ? " — busy: expect noisy tails" : ""}`,
  );

  const m = r.memory;
  out.push("", `SSE CONNECTION MEMORY — web process tree (next start + server), VmRSS from /proc, median of 5 readings`);
  out.push(
    table(
      ["", "VmRSS"],
      [
        ["just started (cold)", fmtMiB(m.coldRssKiB)],
        ["before: warmed up, no connections open", fmtMiB(m.beforeRssKiB)],
        [`after: ${m.opened} idle SSE connections open`, fmtMiB(m.afterRssKiB)],
        ["after closing them", fmtMiB(m.afterCloseRssKiB)],
        [`per open page: (after − before) / ${m.opened}`, fmtKiB(m.perConnectionKiB)],
        [`per open page: slope over ${m.steps.map((x) => x.conns).join("/")} open`, fmtKiB(m.slopeKiB)],
        [`VmHWM at that point (tree, lifetime peak so far)`, fmtMiB(m.hwmKiB)],
      ],
    ),
  );
  out.push(
    `  steps (open → VmRSS): ${m.steps.map((x) => `${x.conns} → ${fmtMiB(x.rssKiB)}`).join(", ")}`,
    `  live check: ${m.liveCheckReceived}/${m.opened} idle connections received one more update; processes: ${m.processes}; SSE responses ${r.encoding ?? "not compressed"}`,
    `  peak during the whole SSE phase: ${fmtMiB(r.webRss.sampledKiB)} sampled simultaneous, ${fmtMiB(r.webRss.hwmKiB)} sum of per-process VmHWM`,
  );

  const ok = r.lag.p95 < S.targetP95Ms;
  const complete = r.missing === 0 && r.nullWrites === 0;
  out.push("", "STATUS-PUSH LAG — targets");
  out.push(
    table(
      ["target", "measured", "verdict"],
      [
        [
          `push lag p95 < ${S.targetP95Ms} ms (${r.pages} pages, every delivery)`,
          fmtMs(r.lag.p95),
          ok ? "PASS" : `MISS by ${fmtMs(r.lag.p95 - S.targetP95Ms)}`,
        ],
        [`  (per update, last of ${r.pages} pages: p95)`, fmtMs(r.lastOfPages.p95), r.lastOfPages.p95 < S.targetP95Ms ? "PASS" : "MISS"],
        ["every page received every update", `${r.missing} missing`, complete ? "PASS" : "MISS"],
      ],
    ),
  );
  return out;
}
