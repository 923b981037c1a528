// One progress bar for the whole run, re-labelled per phase, plus log lines
// printed above it. When stdout is not a terminal (CI, `| tee`), cli-progress
// is told to print a plain line every few seconds instead of redrawing.
import cliProgress from "cli-progress";

const startedAt = Date.now();
const multibar = new cliProgress.MultiBar(
  {
    format: " {phase} |{bar}| {value}/{total} {unit} | {detail} | total {elapsed}",
    barsize: 24,
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    noTTYOutput: true,
    notTTYSchedule: 3000,
    fps: 5,
  },
  cliProgress.Presets.shades_classic,
);
let bar: cliProgress.SingleBar | null = null;
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(0)} s`;

export interface Phase {
  update(value: number, detail?: string): void;
  done(detail?: string): void;
}

export function phase(label: string, total: number, unit = "", detail = ""): Phase {
  const payload = { phase: label.padEnd(28), unit, detail, elapsed: elapsed() };
  if (!bar) bar = multibar.create(total, 0, payload);
  else {
    bar.setTotal(total);
    bar.update(0, payload);
  }
  const b = bar;
  return {
    update(value, d) {
      b.update(Math.min(value, total), { detail: d ?? payload.detail, elapsed: elapsed() });
    },
    done(d) {
      b.update(total, { detail: d ?? "done", elapsed: elapsed() });
    },
  };
}

export function log(line: string): void {
  multibar.log(`${line}\n`);
}

export function stopProgress(): void {
  multibar.stop();
}

export const totalElapsedMs = () => Date.now() - startedAt;
