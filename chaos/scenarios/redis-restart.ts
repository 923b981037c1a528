// 2. Our private Redis stopped (SHUTDOWN NOSAVE) with a backlog queued, some
// requests made while it is down, then restarted empty. Postgres still has
// every report; the workers' reconciler must put a job back for each one.
import { IN_FLIGHT } from "@backline/db/report-status";
import { submitMany, submitReport, reportBody } from "../client.ts";
import type { ChaosContext, ScenarioOutcome } from "../context.ts";
import { bump, fmtS, pollUntil, sleep } from "./util.ts";

const TARGET_MS = 30_000;

export async function redisRestartScenario(ctx: ChaosContext): Promise<ScenarioOutcome> {
  const { reports, duringOutage, outageMs } = ctx.settings.redis;
  const stack = await ctx.startStack({ workers: 3 });
  const answers: Record<string, number> = {};
  const ids: string[] = [];
  const notes: string[] = [];
  try {
    const bar = ctx.phase("redis-restart: submitting", reports, "reports");
    let done = 0;
    await submitMany(stack, reports, {
      tag: "redis",
      concurrency: 32,
      onResult: (r) => {
        bump(answers, r.status);
        if (r.id) ids.push(r.id);
        bar.update(++done, `${ids.length} accepted`);
      },
    });
    // The users who ask while Redis is down sign in beforehand (sessions live
    // in Postgres, not Redis; while Redis is away the web's rate limits count in memory).
    const outageEmails = Array.from({ length: duringOutage }, (_, i) => `redis-down-${i}@chaos.test`);
    await Promise.all(outageEmails.map((email) => stack.cookieFor(email)));

    const { rows: before } = await ctx.pg.query<{ n: string }>(
      "SELECT count(*) AS n FROM reports WHERE id = ANY($1::uuid[]) AND status::text = ANY($2::text[])",
      [ids, IN_FLIGHT],
    );
    const queuedAtStop = Number(before[0]?.n ?? 0);

    ctx.log(`[redis-restart] SHUTDOWN NOSAVE with ${queuedAtStop} of ${ids.length} reports not yet final`);
    const downAt = Date.now();
    await ctx.redis.shutdownNoSave();

    // Requests while Redis is down: 202 (row kept, queued later) or a clear 503.
    const outage: { status: number; ms: number; error: string | null }[] = [];
    const outageAnswers: Record<string, number> = {};
    for (let i = 0; i < duringOutage; i++) {
      const r = await submitReport(stack, reportBody(), { email: outageEmails[i]!, timeoutMs: 15_000 });
      outage.push(r);
      bump(outageAnswers, r.status);
      bump(answers, r.status);
      if (r.id) ids.push(r.id);
    }
    const rest = outageMs - (Date.now() - downAt);
    if (rest > 0) await sleep(rest);

    await ctx.redis.restart();
    const upAt = Date.now();
    ctx.log(`[redis-restart] Redis back (empty) after ${fmtS(upAt - downAt)}; waiting for the reconciler`);

    // Re-enqueued = every report still not final has a live job again.
    const rebar = ctx.phase("redis-restart: re-enqueue", ids.length, "covered");
    let missing = ids.length;
    const requeuedAt = await pollUntil(
      async () => {
        const { rows } = await ctx.pg.query<{ id: string }>("SELECT id::text FROM reports WHERE id = ANY($1::uuid[]) AND status::text = ANY($2::text[])", [
          ids,
          IN_FLIGHT,
        ]);
        const open = rows.map((r) => r.id);
        const live = await stack.jobs.live(open).catch(() => new Set<string>());
        missing = open.filter((id) => !live.has(id)).length;
        rebar.update(ids.length - missing, `${open.length} not final, ${missing} without a job`);
        return missing === 0;
      },
      ctx.settings.settleMs,
      500,
    );
    rebar.done(requeuedAt ? `all covered after ${fmtS(requeuedAt - upAt)}` : `${missing} still without a job`);

    const { rows: requeued } = await ctx.pg.query<{ n: string }>(
      "SELECT count(DISTINCT report_id) AS n FROM report_events WHERE report_id = ANY($1::uuid[]) AND message LIKE 'Re-queued%' AND at >= $2",
      [ids, new Date(downAt)],
    );
    const outageMsList = outage.map((o) => o.ms).sort((a, b) => a - b);
    const clear = outage.every((o) => o.status === 202 || o.status === 503);
    const accepted202 = outage.filter((o) => o.status === 202).length;
    notes.push(`backlog at SHUTDOWN NOSAVE: ${queuedAtStop} reports not final; reconciler events "Re-queued…": ${requeued[0]?.n ?? 0} reports`);
    notes.push(
      `while Redis was down the web answered ${Object.entries(outageAnswers)
        .map(([c, n]) => `${c === "0" ? "no answer" : c}×${n}`)
        .join(", ")}` +
        ` (slowest ${fmtS(outageMsList.at(-1) ?? Number.NaN)})` +
        (accepted202 === outage.length ? " — rows kept, queued once Redis returned" : ""),
    );
    const other = outage.find((o) => o.status !== 202);
    if (other) notes.push(`first non-202 answer during the outage: ${other.status} ${other.error ?? ""}`.trim());
    await ctx.settle("redis-restart", ids);
    return {
      ids,
      submitted: reports + duringOutage,
      answers,
      refusals: { "503": "a clear refusal while Redis was down" },
      recovery: requeuedAt
        ? `every open report had a job again ${fmtS(requeuedAt - upAt)} after Redis came back`
        : `not re-enqueued within ${fmtS(ctx.settings.settleMs)}`,
      checks: [
        { what: `requests during the outage answered 202 or a clear 503 (${accepted202}/${outage.length} were 202)`, ok: clear, hard: true },
        {
          what: `re-enqueue complete ≤ ${TARGET_MS / 1000} s after restart (${requeuedAt ? fmtS(requeuedAt - upAt) : "never"})`,
          ok: requeuedAt !== null && requeuedAt - upAt <= TARGET_MS,
          hard: false,
        },
      ],
      notes,
      crashes: stack.crashes,
    };
  } finally {
    await stack.stop();
  }
}
