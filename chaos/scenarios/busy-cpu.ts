// 7. Rendering big PDFs while both cores are busy must not starve the job
// lock: BullMQ renews it on the worker's event loop, and a renewal that comes
// too late lets another worker "take over" a job that is still running. One
// worker (concurrency 2) renders the longest reports the demo data allows
// (~100 pages each, 500+ pages in all in the full run) while two processes
// spin on both cores. Counted: BullMQ "stalled" events (any is a failure) and
// the worst event-loop delay the worker logged per job.
import { spawn } from "node:child_process";
import { submitReport } from "../client.ts";
import type { ChaosContext, ScenarioOutcome } from "../context.ts";
import { fmtS, longestSalesSummary } from "./util.ts";

export async function busyCpuScenario(ctx: ChaosContext): Promise<ScenarioOutcome> {
  const { reports, hogMs } = ctx.settings.busy;
  // Two bounded spinners (they stop by themselves after hogMs), one per core.
  const hogs = [0, 1].map(() => spawn(process.execPath, ["-e", `const end = Date.now() + ${hogMs}; while (Date.now() < end) {}`], { stdio: "ignore" }));
  const stack = await ctx.startStack({ workers: 1, concurrency: 2 });
  const worker = stack.workers[0]!;
  let stalled = 0;
  const loopDelays: number[] = [];
  worker.proc.child.stdout!.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.includes('"msg":"job stalled')) stalled += 1;
      const delay = /"loopDelayMaxMs":(\d+)/.exec(line);
      if (delay) loopDelays.push(Number(delay[1]));
    }
  });
  const answers: Record<string, number> = {};
  const ids: string[] = [];
  try {
    const longest = await longestSalesSummary(ctx.db);
    const bar = ctx.phase("busy-cpu: submitting", reports, "reports");
    for (let i = 0; i < reports; i++) {
      const r = await submitReport(stack, longest, { email: `busy-${i}@chaos.test` });
      answers[r.status] = (answers[r.status] ?? 0) + 1;
      if (r.id) ids.push(r.id);
      bar.update(i + 1);
    }
    bar.done(`${ids.length} accepted`);
    const started = Date.now();
    await ctx.settle("busy-cpu", ids);
    const { rows } = await ctx.pg.query<{ pages: string | null; attempts: string | null }>(
      "SELECT sum(page_count)::text AS pages, max(attempts)::text AS attempts FROM reports WHERE id = ANY($1::uuid[])",
      [ids],
    );
    const pages = Number(rows[0]?.pages ?? 0);
    const worst = loopDelays.length ? Math.max(...loopDelays) : Number.NaN;
    return {
      ids,
      submitted: reports,
      answers,
      recovery: `${pages} pages in ${fmtS(Date.now() - started)} with both cores busy; worst event-loop delay ${worst} ms`,
      checks: [
        { what: `no job reported stalled while rendering (${stalled} stalled)`, ok: stalled === 0, hard: true },
        { what: `every report built in one attempt (max attempts ${rows[0]?.attempts})`, ok: Number(rows[0]?.attempts) === 1, hard: true },
        { what: `worst event-loop delay below half the job lock (${worst} ms < 2500 ms)`, ok: worst < 2500, hard: false },
      ],
      notes: [`per-job worst event-loop delay (ms): ${loopDelays.join(", ")}`, `CPU hogs: 2 × ${fmtS(hogMs)}`],
      crashes: stack.crashes,
    };
  } finally {
    for (const hog of hogs) hog.kill("SIGKILL");
    await stack.stop();
  }
}
