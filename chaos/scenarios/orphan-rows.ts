// 5. The web process dying between the row insert and the enqueue.
//
// Simulated, not caused: there is no test hook in product code to kill the web
// at that exact point, so the scenario inserts rows exactly as the web does —
// createReport() from @backline/db, the same function commands.request() calls —
// and then does *not* enqueue, which is what such a crash leaves behind. The
// workers' reconciler must find them and enqueue them (every
// RECONCILE_INTERVAL_MS, for rows older than its 5 s grace) within ~30 s.
import { createReport, ensureUser, type Prisma } from "@backline/db";
import { salesSummary } from "@backline/reports";
import type { ChaosContext, ScenarioOutcome } from "../context.ts";
import { fmtS, pollUntil } from "./util.ts";

const TARGET_MS = 30_000;

export async function orphanRowsScenario(ctx: ChaosContext): Promise<ScenarioOutcome> {
  const { reports } = ctx.settings.orphan;
  const stack = await ctx.startStack({ workers: 2 });
  try {
    const params = salesSummary.params.parse({}) as Prisma.InputJsonValue;
    const bar = ctx.phase("orphan-rows: inserting", reports, "rows");
    const ids: string[] = [];
    const insertedAt = new Map<string, number>();
    for (let i = 0; i < reports; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, reports - i) }, async (_, j) =>
          createReport(ctx.db, { type: salesSummary.id, params, owner: await ensureUser(ctx.db, `orphan-${i + j}@chaos.test`) }),
        ),
      );
      for (const r of batch) {
        ids.push(r.id);
        insertedAt.set(r.id, Date.now());
      }
      bar.update(ids.length);
    }
    const lastInsert = Date.now();
    const firstInsert = Math.min(...insertedAt.values());

    // Time each row's job appears in Redis (present at all: it may finish quickly).
    const enqueuedAt = new Map<string, number>();
    const ebar = ctx.phase("orphan-rows: waiting for jobs", ids.length, "enqueued");
    const allAt = await pollUntil(
      async () => {
        const pending = ids.filter((id) => !enqueuedAt.has(id));
        const present = await stack.jobs.present(pending);
        const now = Date.now();
        for (const id of present) enqueuedAt.set(id, now);
        ebar.update(enqueuedAt.size);
        return enqueuedAt.size === ids.length;
      },
      120_000,
      200,
    );
    const delays = ids.filter((id) => enqueuedAt.has(id)).map((id) => enqueuedAt.get(id)! - insertedAt.get(id)!);
    const max = delays.length ? Math.max(...delays) : Number.NaN;
    const min = delays.length ? Math.min(...delays) : Number.NaN;
    ebar.done(allAt ? `all enqueued, slowest after ${fmtS(max)}` : `${ids.length - enqueuedAt.size} never enqueued`);
    await ctx.settle("orphan-rows", ids);
    return {
      ids,
      submitted: reports,
      // No HTTP here: every inserted row counts as accepted.
      answers: { "202": reports },
      recovery: allAt
        ? `reconciler enqueued all ${ids.length} rows ${fmtS(min)}–${fmtS(max)} after insert (last at +${fmtS(allAt - firstInsert)})`
        : "not all enqueued",
      checks: [
        { what: `every orphan row got a job (${enqueuedAt.size}/${ids.length})`, ok: enqueuedAt.size === ids.length, hard: true },
        { what: `enqueued ≤ ${TARGET_MS / 1000} s after insert (slowest ${fmtS(max)})`, ok: allAt !== null && max <= TARGET_MS, hard: false },
      ],
      notes: [
        "simulated: rows inserted with createReport() (as the web does) and never enqueued — no product test hook kills the web mid-request",
        `inserting took ${fmtS(lastInsert - firstInsert)}`,
      ],
      crashes: stack.crashes,
    };
  } finally {
    await stack.stop();
  }
}
