// Small, dependency-free statistics and formatting helpers for the bench.

/**
 * Nearest-rank percentile (p in 0–100) of an unsorted sample. Nearest-rank
 * (rather than interpolation) so a reported p99 is always a latency some
 * request actually had.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

export const fmtMs = (ms: number) => (Number.isFinite(ms) ? `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms` : "n/a");
export const fmtRate = (r: number, unit = "/s") => (Number.isFinite(r) ? `${r < 10 ? r.toFixed(2) : r < 100 ? r.toFixed(1) : r.toFixed(0)}${unit}` : "n/a");
export const fmtRatio = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : "n/a");
export const fmtPct = (r: number) => (Number.isFinite(r) ? `${(r * 100).toFixed(0)} %` : "n/a");
export const fmtMiB = (kib: number) => (Number.isFinite(kib) && kib > 0 ? `${(kib / 1024).toFixed(0)} MiB` : "n/a");
export const fmtSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A plain-text table with a header row; columns are left-aligned except numbers-looking ones. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  const numeric = (s: string) => /^[-\d.,]+\s*(ms|s|%|×|\/s|MiB)?$/.test(s.trim());
  const line = (r: string[]) =>
    "│ " +
    r
      .map((cell, c) => {
        const w = widths[c]!;
        const v = cell ?? "";
        return c > 0 && numeric(v) ? v.padStart(w) : v.padEnd(w);
      })
      .join(" │ ") +
    " │";
  const rule = (l: string, m: string, r: string) => l + widths.map((w) => "─".repeat(w + 2)).join(m) + r;
  return [rule("┌", "┬", "┐"), line(header), rule("├", "┼", "┤"), ...rows.map(line), rule("└", "┴", "┘")].join("\n");
}

/** A scale bench's targets as a table under "Targets:"; answers whether every one passed. */
export function printTargets(targets: readonly (readonly [target: string, ok: boolean, figure: string])[]): boolean {
  console.log("\nTargets:");
  console.log(
    table(
      ["target", "result", "figure"],
      targets.map(([t, ok, figure]) => [t, ok ? "PASS" : "MISS", figure]),
    ),
  );
  return targets.every(([, ok]) => ok);
}
