// Progress from a renderer arrives once per page; writing each to Postgres
// would cost more than the page. Keep the latest, write at most every
// `intervalMs`, always in order, and mark 10 % steps as history milestones.
import type { RenderProgress } from "@backline/reports";

export interface ProgressWrite extends RenderProgress {
  milestone: boolean;
}

export function throttleProgress(write: (p: ProgressWrite) => Promise<unknown>, intervalMs = 250) {
  let chain: Promise<unknown> = Promise.resolve();
  let lastWrite = 0;
  let lastDecile = -1;
  let pending: RenderProgress | null = null;

  const enqueue = (p: RenderProgress, milestone: boolean) => {
    lastWrite = Date.now();
    pending = null;
    chain = chain.then(() => write({ ...p, milestone }));
  };

  return {
    report(p: RenderProgress) {
      const decile = Math.floor(p.percent / 10);
      const milestone = decile > lastDecile;
      if (milestone) lastDecile = decile;
      if (milestone || Date.now() - lastWrite >= intervalMs) enqueue(p, milestone);
      else pending = p;
    },
    /** Writes whatever is still pending and waits for every write. */
    async flush() {
      if (pending) enqueue(pending, false);
      await chain;
    },
  };
}
