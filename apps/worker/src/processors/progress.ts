// Progress from a renderer arrives once per page; writing each to Postgres
// would cost more than the page. Write the first value at once, then at most
// once per `intervalMs`, always in order; a write that crossed a 10 % step is
// a milestone (it goes into the history). A report done within the interval
// costs one progress write in all.
import type { RenderProgress } from "@backline/reports";

export interface ProgressWrite extends RenderProgress {
  milestone: boolean;
}

export function throttleProgress(write: (p: ProgressWrite) => Promise<unknown>, intervalMs = 250) {
  let chain: Promise<unknown> = Promise.resolve();
  let lastWrite = -Infinity;
  let writtenDecile = -1;
  let pending: RenderProgress | null = null;

  // The first failed write (e.g. the database connection dropped) stops the
  // rest and is rethrown by flush(), so the job fails and retries — an
  // unhandled rejection here would take the whole worker process down.
  let failed: unknown = null;
  const enqueue = (p: RenderProgress) => {
    const decile = Math.floor(p.percent / 10);
    const milestone = decile > writtenDecile;
    writtenDecile = Math.max(writtenDecile, decile);
    lastWrite = Date.now();
    pending = null;
    chain = chain.then(() => (failed ? undefined : write({ ...p, milestone }))).catch((err: unknown) => void (failed ??= err));
  };

  return {
    report(p: RenderProgress) {
      if (Date.now() - lastWrite >= intervalMs) enqueue(p);
      else pending = p;
    },
    /** Writes whatever is still pending and waits for every write. */
    async flush() {
      if (pending) enqueue(pending);
      await chain;
      if (failed) throw failed;
    },
  };
}
