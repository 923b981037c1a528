// 4. The workers' Postgres connections are terminated mid-load, a few times.
// Only our scratch database, and only connections whose application_name is
// the workers' (PGAPPNAME=chaos-worker, set by chaos/stack.ts; the reconciler's
// lock connection names itself backline-reconciler) — never the web's, never ours.
import type { ChaosContext, ScenarioOutcome } from "../context.ts";
import { WORKER_PG_APP } from "../stack.ts";
import { fmtS, sleep, steadyLoad } from "./util.ts";

export async function pgTerminateScenario(ctx: ChaosContext): Promise<ScenarioOutcome> {
  const { reports, hits, perSecond } = ctx.settings.pg;
  const stack = await ctx.startStack({ workers: 3 });
  const notes: string[] = [];
  try {
    const { answers, ids, finished: load } = steadyLoad(ctx, stack, { label: "pg-terminate", tag: "pg", reports, perSecond });
    const span = (reports / perSecond) * 1000;
    const hitTimes: number[] = [];
    let terminatedTotal = 0;
    const loadStart = Date.now();
    for (let h = 0; h < hits; h++) {
      // Spread over the load: the h-th hit at a random moment in the h-th slice of it.
      const target = loadStart + ((h + 0.3 + Math.random() * 0.5) * span) / hits;
      await sleep(Math.max(300, target - Date.now()));
      // Bounded retry: between queries a worker may hold no connection for a moment.
      let rows: { application_name: string; terminated: boolean }[] = [];
      for (let attempt = 0; attempt < 20 && !rows.some((r) => r.terminated); attempt++) {
        if (attempt > 0) await sleep(100);
        ({ rows } = await ctx.pg.query<{ application_name: string; terminated: boolean }>(
          `SELECT application_name, pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
            WHERE datname = $1 AND application_name IN ($2, 'backline-reconciler') AND pid <> pg_backend_pid()`,
          [ctx.databaseName, WORKER_PG_APP],
        ));
      }
      hitTimes.push(Date.now());
      const n = rows.filter((r) => r.terminated).length;
      terminatedTotal += n;
      const lock = rows.filter((r) => r.application_name === "backline-reconciler").length;
      ctx.log(`[pg-terminate] hit #${h + 1}: terminated ${n} worker connection(s)${lock ? ` (incl. the reconciler's lock session)` : ""}`);
      notes.push(`hit #${h + 1}: ${n} backend(s) terminated${lock ? ", incl. the reconciler's advisory-lock session" : ""}`);
    }
    await load;

    // Recovery: after the last hit, the first report that goes final again.
    const last = hitTimes.at(-1) ?? Date.now();
    let firstSentAfter: number | null = null;
    for (let i = 0; i < 240 && firstSentAfter === null; i++) {
      const { rows } = await ctx.pg.query<{ t: Date | null }>(
        "SELECT min(finished_at) AS t FROM reports WHERE id = ANY($1::uuid[]) AND status = 'sent' AND finished_at > $2",
        [ids, new Date(last)],
      );
      firstSentAfter = rows[0]?.t?.getTime() ?? null;
      if (firstSentAfter === null) await sleep(250);
    }
    await ctx.settle("pg-terminate", ids);
    return {
      ids,
      submitted: reports,
      answers,
      recovery: firstSentAfter ? `first report sent ${fmtS(firstSentAfter - last)} after the last hit` : "no report sent after the last hit",
      checks: [{ what: `connections actually terminated (${terminatedTotal} over ${hits} hits)`, ok: terminatedTotal > 0, hard: true }],
      notes,
      crashes: stack.crashes,
    };
  } finally {
    await stack.stop();
  }
}
