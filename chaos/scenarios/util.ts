import type { PrismaClient } from "@backline/db";
import { submitMany, type Api, type SubmitResult } from "../client.ts";
import type { ChaosContext, Stack } from "../context.ts";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function bump(counts: Record<string, number>, key: string | number): void {
  counts[String(key)] = (counts[String(key)] ?? 0) + 1;
}

export const fmtS = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "n/a");

/** "sent 2, failed 1" */
export function tally(values: string[]): string {
  const counts: Record<string, number> = {};
  for (const v of values) bump(counts, v);
  return Object.entries(counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
}

/** Polls `probe` every `intervalMs` until it is truthy or `timeoutMs` passes; returns the time it became true (or null). */
export async function pollUntil(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return Date.now();
    if (Date.now() > deadline) return null;
    await sleep(intervalMs);
  }
}

/** The longest sales summary the seeded data allows: its whole range, by day (~100 pages). */
export async function longestSalesSummary(db: PrismaClient) {
  const info = await db.seedInfo.findUniqueOrThrow({ where: { id: 1 } });
  const to = new Date(info.endsAt.getTime() - 86_400_000).toISOString().slice(0, 10);
  const from = new Date(Date.UTC(info.endsAt.getUTCFullYear() - 2, info.endsAt.getUTCMonth(), 1)).toISOString().slice(0, 10);
  return { type: "sales-summary", params: { from, to, groupBy: "day" } };
}

/** Sleeps until the harness clock reads `at` (ms since epoch); at once if that has passed. */
export const sleepUntil = (at: number) => sleep(Math.max(0, at - Date.now()));

/**
 * Worker `index` back after a kill, the way a supervisor with a back-off
 * brings it: a worker refuses to start while Redis or the SMTP server is
 * unreachable (its start-up check), so each try that fails is followed by
 * another a second later, until `timeoutMs`. Returns how many tries failed.
 */
export async function restartWhenPossible(
  stack: Pick<Stack, "restartWorker">,
  index: number,
  timeoutMs = 180_000,
): Promise<{ failedTries: number; error?: string }> {
  const deadline = Date.now() + timeoutMs;
  for (let failedTries = 0; ; failedTries++) {
    try {
      await stack.restartWorker(index);
      return { failedTries };
    } catch (err) {
      if (Date.now() > deadline) return { failedTries: failedTries + 1, error: (err as Error).message.split("\n")[0] };
      await sleep(1000);
    }
  }
}

/**
 * `reports` report requests at `perSecond` (8 in flight at most) under a progress bar: every answer counted
 * in `answers` and every accepted id pushed to `ids` as it comes (`onResult` sees each too); `answered()` says
 * how many have answered, and `finished` resolves once all have.
 */
export function steadyLoad(
  ctx: ChaosContext,
  api: Api,
  options: { label: string; tag: string; reports: number; perSecond: number; onResult?: (r: SubmitResult) => void },
) {
  const answers: Record<string, number> = {};
  const ids: string[] = [];
  let done = 0;
  const bar = ctx.phase(`${options.label}: submitting`, options.reports, "reports");
  const finished = submitMany(api, options.reports, {
    tag: options.tag,
    concurrency: 8,
    perSecond: options.perSecond,
    onResult: (r) => {
      bump(answers, r.status);
      options.onResult?.(r);
      if (r.id) ids.push(r.id);
      bar.update(++done, `${ids.length} accepted`);
    },
  }).then(() => bar.done(`${ids.length} accepted`));
  return { answers, ids, answered: () => done, finished };
}

/** Workers of a stack that are running now. */
export const liveWorkers = (stack: Pick<Stack, "workers">) => stack.workers.filter((w) => w.proc.child.exitCode === null && w.proc.child.signalCode === null);
