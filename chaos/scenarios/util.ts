import type { PrismaClient } from "@backline/db";

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
