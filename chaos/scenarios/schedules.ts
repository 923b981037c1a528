// 9. Every-minute schedules (`* * * * *`) for a few whole minutes while the
// worker holding the scheduler — the one that most recently logged "scheduler:
// runs created" — is killed -9 (the first kill right at a minute boundary), and
// Redis is shut down (SHUTDOWN NOSAVE) and restarted empty. Every worker ticks
// the scheduler; Postgres decides who handles which schedule (FOR UPDATE SKIP
// LOCKED) and each occurrence is a schedule_runs row, unique per (schedule,
// occurrence), made with its report in one transaction. So each schedule must
// have exactly one run per minute of the window — none missing, none doubled,
// none recorded missed — and each run's report exactly one email at the sink,
// which carries X-Schedule-Id and X-Report-Id.
//
// The window is exact: the schedules are created (through the web's API), the
// window starts at the first minute boundary after the last one was made and
// lasts `minutes` whole minutes; once every schedule has its run for the last
// minute they are paused (API), so no later occurrence can appear; runs are
// counted per schedule and per minute (the occurrence's instant in the
// schedule's zone); runs outside the window (a creation that straddled a
// boundary, a pause that came late) are shown apart, their reports still
// followed to the end.
import { answered, clientFor } from "../client.ts";
import type { ChaosContext, Check, ScenarioOutcome, Stack } from "../context.ts";
import type { WorkerProc } from "../stack.ts";
import { bump, fmtS, liveWorkers, restartWhenPossible, sleep, sleepUntil } from "./util.ts";

const MINUTE = 60_000;
/** Zones a run spreads its schedules over: whole-hour, half-hour and 45-minute offsets, with and without DST. */
const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide"];
/** At most this many schedules per owner (MAX_SCHEDULES_PER_USER is 25 by default). */
const PER_OWNER = 10;

interface ScheduleMade {
  id: string;
  owner: string;
  timeZone: string;
  createdAt: number;
}

interface Fault {
  at: number;
  kind: "kill" | "redis";
  /** kill: at a minute boundary (else mid-minute, while runs are being made). */
  boundary?: boolean;
}

const offsetOf = (timeZone: string, at: number) =>
  new Intl.DateTimeFormat("en", { timeZone, timeZoneName: "longOffset" }).formatToParts(at).find((p) => p.type === "timeZoneName")?.value;
const hhmm = (at: number) => new Date(at).toISOString().slice(11, 16);
const hhmmss = (at: number) => new Date(at).toISOString().slice(11, 19);

export async function schedulesScenario(ctx: ChaosContext): Promise<ScenarioOutcome> {
  const { schedules: count, minutes, kills, redisDownMs } = ctx.settings.schedules;
  const stack = await ctx.startStack({ workers: 3 });
  const answers: Record<string, number> = {};
  const notes: string[] = [];
  const made: ScheduleMade[] = [];
  let removed = false;
  try {
    // Zones with a DST change near the run would make "one run per minute" ambiguous (a
    // repeated hour runs once, a skipped one at its end): left out for this run.
    const horizon = Date.now() + (minutes + 4) * MINUTE;
    const zones = ZONES.filter((z) => offsetOf(z, Date.now() - MINUTE) === offsetOf(z, horizon));
    const owners = Array.from({ length: Math.ceil(count / PER_OWNER) }, (_, i) => `sched-owner-${i}@chaos.test`);
    await Promise.all(owners.map((email) => stack.cookieFor(email)));

    // Create them through the web's API, as a person's form would.
    const bar = ctx.phase("schedules: creating", count, "schedules");
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < count) {
          const i = next++;
          const owner = owners[Math.floor(i / PER_OWNER)]!;
          const timeZone = zones[i % zones.length]!;
          const client = await clientFor(stack, owner);
          const r = await answered(client.POST("/api/schedules", { body: { type: "sales-summary", params: {}, cron: "* * * * *", timeZone } }));
          bump(answers, r.status);
          if (r.status === 201 && r.body) made.push({ id: r.body.id, owner, timeZone, createdAt: Date.now() });
          else notes.push(`schedule ${i} not created: ${r.status} ${r.error ?? ""}`.trim());
          bar.update(made.length, `${made.length} made`);
        }
      }),
    );
    const createdEnd = Date.now();
    const ids = made.map((s) => s.id);
    // The window: whole minutes from the first boundary after the last schedule was made.
    const start = (Math.floor(createdEnd / MINUTE) + 1) * MINUTE;
    const end = start + minutes * MINUTE; // exclusive
    const last = end - MINUTE;
    bar.done(`${made.length} made; window ${hhmm(start)}–${hhmm(end)} UTC`);
    ctx.log(`[schedules] ${made.length} every-minute schedules in ${zones.length} zones; window ${hhmm(start)}–${hhmm(end)} UTC (${minutes} min)`);

    // The faults, on the clock of the window.
    const faults: Fault[] = [{ at: start + (minutes > 2 ? MINUTE : 0) + 6000, kind: "redis" }];
    for (let k = 0; k < kills; k++) {
      const minute = Math.min(minutes - 1, (minutes > 2 ? 2 : 1) + k);
      faults.push(
        k === 0 ? { at: start + minute * MINUTE, kind: "kill", boundary: true } : { at: start + minute * MINUTE + 4000 + Math.random() * 8000, kind: "kill" },
      );
    }
    faults.sort((a, b) => a.at - b.at);
    const killed: { at: number; victim: WorkerProc; boundary: boolean; holder: boolean }[] = [];
    const restarts: Promise<{ failedTries: number; error?: string }>[] = [];
    let redisRestart: { downAt: number; upAt: number } | null = null;

    const windowBar = ctx.phase("schedules: window", minutes * made.length, "runs");
    const progress = setInterval(() => {
      void countRuns(ctx, ids, start, end).then(
        (n) => windowBar.update(n, `${hhmm(Date.now())} UTC, ${killed.length} kill(s), redis ${redisRestart ? "restarted" : "not yet"}`),
        () => {},
      );
    }, 2000);
    try {
      for (const fault of faults) {
        await sleepUntil(fault.at);
        if (fault.kind === "redis") {
          const downAt = Date.now();
          ctx.log(`[schedules] ${hhmmss(downAt)} SHUTDOWN NOSAVE of Redis for ${fmtS(redisDownMs)}`);
          await ctx.redis.shutdownNoSave();
          await sleep(Math.max(0, redisDownMs - (Date.now() - downAt)));
          await ctx.redis.restart();
          redisRestart = { downAt, upAt: Date.now() };
          continue;
        }
        const { victim, holder } = schedulerHolder(stack);
        if (!victim) {
          notes.push(`no live worker to kill at ${new Date(fault.at).toISOString()}`);
          continue;
        }
        const at = Date.now();
        stack.expectExit(victim.proc.pid);
        victim.proc.signal("SIGKILL");
        await victim.proc.exited;
        killed.push({ at, victim, boundary: fault.boundary ?? false, holder });
        ctx.log(
          `[schedules] kill -9 #${killed.length} ${fault.boundary ? "at the minute boundary" : "mid-minute"} (+${((at % MINUTE) / 1000).toFixed(1)} s): ` +
            `${victim.workerId}${holder ? ", the last to make runs" : " (no worker had made runs yet)"}`,
        );
        restarts.push(sleep(1000).then(() => restartWhenPossible(stack, victim.index)));
      }

      // Every schedule's run for the last minute, then pause them all before the next one is due.
      await waitForMinute(ctx, ids, last, end - 15_000);
    } finally {
      clearInterval(progress);
    }
    const pauseAnswers: Record<string, number> = {};
    await forEachSchedule(made, async (s) =>
      bump(
        pauseAnswers,
        (await answered((await clientFor(stack, s.owner)).PATCH("/api/schedules/{id}", { params: { path: { id: s.id } }, body: { paused: true } }))).status,
      ),
    );
    const pausedAt = Date.now();
    windowBar.done(`paused at ${hhmmss(pausedAt)}`);
    const restartResults = await Promise.all(restarts);

    // Every run's report to a final status, then the count.
    const { rows: reportRows } = await ctx.pg.query<{ id: string }>("SELECT id::text FROM reports WHERE schedule_id = ANY($1::uuid[])", [ids]);
    const reportIds = reportRows.map((r) => r.id);
    await ctx.settle("schedules", reportIds);
    const counted = await countWindow(ctx, made, start, end);

    // Gone, so the next scenarios' workers have nothing to schedule.
    const deleteAnswers: Record<string, number> = {};
    await forEachSchedule(made, async (s) =>
      bump(deleteAnswers, (await answered((await clientFor(stack, s.owner)).DELETE("/api/schedules/{id}", { params: { path: { id: s.id } } }))).status),
    );
    removed = (deleteAnswers["204"] ?? 0) === made.length;

    const minuteOf = (at: number) => counted.perMinute[Math.floor((at - start) / MINUTE)];
    for (const [i, k] of killed.entries()) minuteOf(k.at)?.faults.push(`kill #${i + 1} at +${((k.at % MINUTE) / 1000).toFixed(1)} s`);
    if (redisRestart) minuteOf(redisRestart.downAt)?.faults.push(`Redis down at +${((redisRestart.downAt % MINUTE) / 1000).toFixed(1)} s`);
    const expected = made.length * minutes;
    const perWorker = stack.workers.map((w) => `${w.proc.name} ${w.scheduler().runs}`).join(", ");
    notes.push(
      ...counted.perMinute.map(
        (m) =>
          `minute ${hhmm(m.at)} UTC: ${m.runs} runs, ${m.emailed} emailed; made ≤ ${fmtS(m.maxMadeLagMs)} after due, emailed ≤ ${fmtS(m.maxSentLagMs)} after due` +
          (m.faults.length ? ` — ${m.faults.join("; ")}` : ""),
      ),
    );
    for (const [i, k] of killed.entries()) {
      const r = restartResults[i];
      notes.push(
        `kill #${i + 1} (${k.boundary ? "minute boundary" : "mid-minute"}, ${new Date(k.at).toISOString().slice(11, 23)} UTC): ${k.victim.workerId}` +
          `${k.holder ? ", the worker that last made runs" : ""}; back ${r?.error ? `never (${r.error})` : `after ${r?.failedTries ?? 0} refused start(s)`}`,
      );
    }
    notes.push(`runs made per worker process (its log): ${perWorker} (killed processes not listed)`);
    if (redisRestart) notes.push(`Redis down ${fmtS(redisRestart.upAt - redisRestart.downAt)} from ${hhmmss(redisRestart.downAt)} UTC, back empty`);
    if (counted.outside.before + counted.outside.after > 0) {
      notes.push(
        `runs outside the window (followed, not counted in it): ${counted.outside.before} before (creation straddled a minute), ${counted.outside.after} after (pause came late)`,
      );
    }
    for (const d of counted.doubledExamples) notes.push(`doubled occurrence: ${d}`);
    for (const m of counted.missingExamples) notes.push(`no run: ${m}`);

    const checks: Check[] = [
      {
        what: `every schedule created (${answers["201"] ?? 0}/${count} × 201), paused (${pauseAnswers["200"] ?? 0} × 200), deleted (${deleteAnswers["204"] ?? 0} × 204) by the API`,
        ok: made.length === count && (pauseAnswers["200"] ?? 0) === made.length && removed,
        hard: true,
      },
      {
        what: `faults performed: ${killed.length}/${kills} kill(s), Redis restart ${redisRestart ? "done" : "not done"}`,
        ok: killed.length === kills && redisRestart !== null,
        hard: true,
      },
      {
        what: `every killed worker came back (${restartResults.filter((r) => !r.error).length}/${restartResults.length})`,
        ok: restartResults.every((r) => !r.error),
        hard: true,
      },
      {
        what: `the pause came before the minute after the window (${fmtS(Math.abs(end - pausedAt))} ${pausedAt < end ? "before" : "after"} it)`,
        ok: counted.outside.after === 0,
        hard: false,
      },
      {
        what: `occurrences ${expected}: one run per schedule per minute (${counted.runs} runs; ${counted.absent} absent, ${counted.doubled} doubled)`,
        ok: counted.runs === expected && counted.absent === 0 && counted.doubled === 0,
        hard: false,
      },
      {
        what: `emails ${expected}: one per run at the sink by X-Schedule-Id + X-Report-Id (${counted.emailed} runs emailed)`,
        ok: counted.emailed === expected,
        hard: false,
      },
      {
        what: `duplicates 0 (${counted.extraCopies} extra copies, ${counted.doubled} doubled occurrences, ${counted.strays} strays)`,
        ok: counted.extraCopies === 0 && counted.doubled === 0 && counted.strays === 0,
        hard: false,
      },
      { what: `missed 0 (${counted.missed} recorded missed, ${counted.absent} absent)`, ok: counted.missed === 0 && counted.absent === 0, hard: false },
    ];
    const killMinutes = counted.perMinute.filter((m) => m.faults.some((f) => f.startsWith("kill")));
    return {
      ids: reportIds,
      submitted: count,
      answers,
      acceptedStatus: "201",
      recovery:
        `runs made ≤ ${fmtS(counted.maxMadeLagMs)} after due (minute(s) of a kill: ≤ ${fmtS(killMinutes.length ? Math.max(...killMinutes.map((m) => m.maxMadeLagMs)) : Number.NaN)}); ` +
        `emailed ≤ ${fmtS(counted.maxSentLagMs)} after due`,
      checks,
      notes,
      crashes: stack.crashes,
    };
  } finally {
    if (!removed && made.length > 0) {
      // Paused and gone whatever happened, so the next scenarios' workers don't run them.
      await ctx.pg
        .query("DELETE FROM schedules WHERE id = ANY($1::uuid[])", [made.map((s) => s.id)])
        .catch((err: Error) => ctx.log(`[schedules] could not delete the schedules: ${err.message}`));
    }
    await stack.stop();
  }
}

/** The live worker that most recently made runs ("holding the scheduler"); any live one if none has yet. */
function schedulerHolder(stack: Stack): { victim: WorkerProc | null; holder: boolean } {
  const live = liveWorkers(stack);
  const made = live.filter((w) => w.scheduler().lastRunsAt !== null).sort((a, b) => b.scheduler().lastRunsAt! - a.scheduler().lastRunsAt!);
  if (made[0]) return { victim: made[0], holder: true };
  return { victim: live[Math.floor(Math.random() * live.length)] ?? null, holder: false };
}

async function forEachSchedule(made: ScheduleMade[], fn: (s: ScheduleMade) => Promise<void>, parallel = 8): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, made.length) }, async () => {
      while (next < made.length) await fn(made[next++]!);
    }),
  );
}

/** The occurrence's instant (its nominal local time read in the schedule's zone), truncated to the minute, in ms. */
const OCCURRENCE_MS = "(extract(epoch from date_trunc('minute', sr.occurrence AT TIME ZONE s.time_zone)) * 1000)::bigint";

async function countRuns(ctx: ChaosContext, ids: string[], start: number, end: number): Promise<number> {
  const { rows } = await ctx.pg.query<{ n: string }>(
    `SELECT count(*) AS n FROM schedule_runs sr JOIN schedules s ON s.id = sr.schedule_id
      WHERE sr.schedule_id = ANY($1::uuid[]) AND ${OCCURRENCE_MS} >= $2 AND ${OCCURRENCE_MS} < $3`,
    [ids, start, end],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Waits until every schedule has a run row for the minute at `at` (or `until` passes). */
async function waitForMinute(ctx: ChaosContext, ids: string[], at: number, until: number): Promise<void> {
  while (Date.now() < until) {
    if ((await countRuns(ctx, ids, at, at + MINUTE)) >= ids.length) return;
    await sleep(500);
  }
}

interface WindowCount {
  runs: number;
  absent: number;
  missed: number;
  doubled: number;
  emailed: number;
  extraCopies: number;
  strays: number;
  outside: { before: number; after: number };
  maxMadeLagMs: number;
  maxSentLagMs: number;
  perMinute: { at: number; runs: number; emailed: number; maxMadeLagMs: number; maxSentLagMs: number; faults: string[] }[];
  doubledExamples: string[];
  missingExamples: string[];
}

/**
 * Per schedule and minute of the window: its runs (schedule_runs), its reports
 * (a second report for one occurrence is a doubled run whatever the runs table
 * says), and the sink's messages for the run's report that name its schedule.
 */
async function countWindow(ctx: ChaosContext, made: ScheduleMade[], start: number, end: number): Promise<WindowCount> {
  const ids = made.map((s) => s.id);
  const { rows } = await ctx.pg.query<{
    schedule_id: string;
    at: string;
    missed: boolean;
    report_id: string | null;
    due_at: Date;
    created_at: Date | null;
    finished_at: Date | null;
  }>(
    `SELECT sr.schedule_id::text, ${OCCURRENCE_MS} AS at, sr.missed, sr.report_id::text, sr.due_at, r.created_at, r.finished_at
       FROM schedule_runs sr JOIN schedules s ON s.id = sr.schedule_id LEFT JOIN reports r ON r.id = sr.report_id
      WHERE sr.schedule_id = ANY($1::uuid[])`,
    [ids],
  );
  const { rows: doubled } = await ctx.pg.query<{ schedule_id: string; occurrence: string; n: string }>(
    `SELECT schedule_id::text, to_char(occurrence, 'YYYY-MM-DD"T"HH24:MI') AS occurrence, count(*) AS n FROM reports
      WHERE schedule_id = ANY($1::uuid[]) GROUP BY schedule_id, occurrence HAVING count(*) > 1`,
    [ids],
  );
  const minutes = Array.from({ length: (end - start) / MINUTE }, (_, i) => start + i * MINUTE);
  const runOf = new Map<string, (typeof rows)[number]>();
  const out: WindowCount = {
    runs: 0,
    absent: 0,
    missed: 0,
    doubled: doubled.reduce((n, d) => n + Number(d.n) - 1, 0),
    emailed: 0,
    extraCopies: 0,
    strays: 0,
    outside: { before: 0, after: 0 },
    maxMadeLagMs: Number.NaN,
    maxSentLagMs: Number.NaN,
    perMinute: minutes.map((at) => ({ at, runs: 0, emailed: 0, maxMadeLagMs: 0, maxSentLagMs: 0, faults: [] })),
    doubledExamples: doubled.slice(0, 3).map((d) => `schedule ${d.schedule_id} at ${d.occurrence}: ${d.n} reports`),
    missingExamples: [],
  };
  for (const r of rows) {
    const at = Number(r.at);
    if (at < start) out.outside.before += 1;
    else if (at >= end) out.outside.after += 1;
    else runOf.set(`${r.schedule_id}@${at}`, r);
  }
  const runReports = new Map(rows.filter((r) => r.report_id).map((r) => [r.report_id!, r.schedule_id]));
  const max = (a: number, b: number) => (Number.isNaN(a) ? b : Math.max(a, b));
  for (const s of made) {
    for (const [i, at] of minutes.entries()) {
      const minute = out.perMinute[i]!;
      const run = runOf.get(`${s.id}@${at}`);
      if (!run) {
        out.absent += 1;
        if (out.missingExamples.length < 3) out.missingExamples.push(`schedule ${s.id} (${s.timeZone}) at ${hhmm(at)} UTC`);
        continue;
      }
      if (run.missed || !run.report_id) {
        out.missed += 1;
        continue;
      }
      out.runs += 1;
      minute.runs += 1;
      const copies = (ctx.sink.byReport.get(run.report_id) ?? []).filter((m) => m.xHeaders["x-schedule-id"] === s.id);
      if (copies.length > 0) {
        out.emailed += 1;
        minute.emailed += 1;
      }
      out.extraCopies += Math.max(0, copies.length - 1);
      if (run.created_at) {
        const lag = run.created_at.getTime() - run.due_at.getTime();
        minute.maxMadeLagMs = Math.max(minute.maxMadeLagMs, lag);
        out.maxMadeLagMs = max(out.maxMadeLagMs, lag);
      }
      if (run.finished_at && copies.length > 0) {
        const lag = run.finished_at.getTime() - run.due_at.getTime();
        minute.maxSentLagMs = Math.max(minute.maxSentLagMs, lag);
        out.maxSentLagMs = max(out.maxSentLagMs, lag);
      }
    }
  }
  // Messages naming one of our schedules for a report that is no run of it.
  const ours = new Set(ids);
  for (const m of ctx.sink.accepted) {
    const schedule = m.xHeaders["x-schedule-id"];
    if (schedule && ours.has(schedule) && (!m.reportId || runReports.get(m.reportId) !== schedule)) out.strays += 1;
  }
  return out;
}
