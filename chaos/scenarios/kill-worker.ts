// 1. kill -9 of a worker at random moments while reports flow; the killed
// worker is restarted a moment later so capacity stays. Recovery per kill:
// from the kill to the moment every report that worker had in flight is final.
import { countTerminal, submitMany } from "../client.ts";
import type { ChaosContext, ScenarioOutcome } from "../context.ts";
import type { WorkerProc } from "../stack.ts";
import { bump, fmtS, sleep, tally } from "./util.ts";

const TARGET_MS = 10_000;

interface Kill {
  at: number;
  worker: WorkerProc;
  inFlight: string[];
}

export async function killWorkerScenario(ctx: ChaosContext): Promise<ScenarioOutcome> {
  const { reports, kills, workers } = ctx.settings.kill;
  const stack = await ctx.startStack({ workers });
  const answers: Record<string, number> = {};
  const ids: string[] = [];
  const killLog: Kill[] = [];
  try {
    const bar = ctx.phase("kill-worker: submitting", reports, "reports");
    let done = 0;
    const submitting = submitMany(stack, reports, {
      tag: "kill",
      concurrency: 8,
      // Spread the load so kills land on a busy fleet for the whole run.
      perSecond: ctx.settings.short ? 25 : 20,
      onResult: (r) => {
        bump(answers, r.status);
        if (r.id) ids.push(r.id);
        bar.update(++done, `${ids.length} accepted`);
      },
    });

    // Kills at random moments while work remains; each restarts its worker after a moment.
    const restarts: Promise<unknown>[] = [];
    await sleep(1500);
    for (let k = 0; k < kills; k++) {
      await sleep(1000 + Math.random() * (ctx.settings.short ? 2000 : 4000));
      const c = await countTerminal(ctx.pg, ids);
      if (done >= reports && c.terminal >= ids.length) {
        ctx.log(`[kill-worker] work ran out after ${k} kills`);
        break;
      }
      // A random worker among those running and busy (a kill of an idle one measures nothing).
      const candidates = [];
      for (const w of stack.workers) {
        if (w.proc.child.exitCode !== null || w.proc.child.signalCode !== null) continue;
        if ((await inFlightOf(ctx, w.workerId)).length > 0) candidates.push(w);
      }
      const live = stack.workers.filter((w) => w.proc.child.exitCode === null && w.proc.child.signalCode === null);
      const pool = candidates.length > 0 ? candidates : live;
      if (pool.length === 0) continue;
      const victim = pool[Math.floor(Math.random() * pool.length)]!;
      const at = Date.now();
      stack.expectExit(victim.proc.pid);
      victim.proc.signal("SIGKILL"); // kill -9 of its process group
      await victim.proc.exited;
      const inFlight = await inFlightOf(ctx, victim.workerId);
      killLog.push({ at, worker: victim, inFlight });
      ctx.log(`[kill-worker] kill -9 #${k + 1}: ${victim.workerId} with ${inFlight.length} report(s) in flight`);
      restarts.push(sleep(1000).then(() => stack.restartWorker(victim.index)));
    }
    await submitting;
    await Promise.all(restarts);
    await ctx.settle("kill-worker", ids);
    return {
      ids,
      submitted: reports,
      answers,
      // Recovery needs the final times, so this waits for the killed workers' reports first.
      ...(await recoveryFigures(ctx, killLog, ids)),
      crashes: stack.crashes,
    };
  } finally {
    await stack.stop();
  }
}

/** Reports whose latest event was written by this worker and that are still mid-flight. */
async function inFlightOf(ctx: ChaosContext, workerId: string): Promise<string[]> {
  const { rows } = await ctx.pg.query<{ id: string }>(
    `SELECT r.id::text FROM reports r
      WHERE r.status IN ('generating', 'emailing')
        AND (SELECT e.worker_id FROM report_events e WHERE e.report_id = r.id ORDER BY e.id DESC LIMIT 1) = $1`,
    [workerId],
  );
  return rows.map((r) => r.id);
}

/**
 * Waits (bounded by the settle time) for the killed workers' reports to end,
 * then: recovery of a kill = last finished_at of its in-flight reports − kill time.
 */
async function recoveryFigures(ctx: ChaosContext, kills: Kill[], ids: string[]): Promise<Pick<ScenarioOutcome, "recovery" | "checks" | "notes">> {
  const affected = [...new Set(kills.flatMap((k) => k.inFlight))];
  const deadline = Date.now() + ctx.settings.settleMs;
  while (Date.now() < deadline) {
    const c = await countTerminal(ctx.pg, affected);
    if (c.terminal >= affected.length) break;
    await sleep(250);
  }
  const { rows } = await ctx.pg.query<{ id: string; status: string; finished_at: Date | null; failure_reason: string | null }>(
    "SELECT id::text, status::text, finished_at, failure_reason FROM reports WHERE id = ANY($1::uuid[])",
    [affected],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const perKill: number[] = [];
  const notes: string[] = [];
  let notSent = 0;
  let unrecovered = 0;
  for (const [i, k] of kills.entries()) {
    if (k.inFlight.length === 0) {
      notes.push(`kill #${i + 1} (${k.worker.workerId}): nothing in flight`);
      continue;
    }
    const ends = k.inFlight.map((id) => byId.get(id));
    const unsent = ends.filter((r) => r?.status !== "sent");
    notSent += unsent.length;
    // Recovered = every report it had in flight reached `sent`; a report that ended failed never recovered.
    const done = unsent.length === 0 && ends.every((r) => r?.finished_at);
    const ms = done ? Math.max(...ends.map((r) => r!.finished_at!.getTime())) - k.at : Number.NaN;
    if (done) perKill.push(ms);
    else unrecovered += 1;
    notes.push(
      `kill #${i + 1} (${k.worker.workerId}): ${k.inFlight.length} in flight → ${tally(ends.map((r) => r?.status ?? "missing"))}, recovered in ${done ? fmtS(ms) : "never (not all sent)"}` +
        (unsent.length ? `; not sent: ${unsent.map((r) => `${r?.status}${r?.failure_reason ? ` (${r.failure_reason})` : ""}`).join("; ")}` : ""),
    );
  }
  const max = perKill.length ? Math.max(...perKill) : Number.NaN;
  const sorted = [...perKill].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : Number.NaN;
  void ids;
  return {
    recovery:
      (perKill.length ? `median ${fmtS(median)}, max ${fmtS(max)} over ${perKill.length} kills` : "no kill recovered") +
      (unrecovered ? `; ${unrecovered} kill(s) never recovered (a report ended not sent)` : ""),
    checks: [
      { what: `${kills.length} kill(s) performed`, ok: kills.length > 0, hard: true },
      { what: `every killed worker's in-flight report recovered to 'sent' (${affected.length - notSent}/${affected.length})`, ok: notSent === 0, hard: false },
      {
        what: `recovery ≤ ${TARGET_MS / 1000} s after each kill (max ${fmtS(max)}${unrecovered ? `, ${unrecovered} never` : ""})`,
        ok: perKill.length > 0 && unrecovered === 0 && max <= TARGET_MS,
        hard: false,
      },
    ],
    notes,
  };
}
