// How a bench's bare-loop child process (bare-loop.ts, campaign-bare-loop.ts)
// talks to its parent: one JSON line per event on stdout, and a SIGUSR2 from the
// parent to start, so parallel loops begin together after each has loaded its data.
export const emit = (event: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

/**
 * Says "ready" and resolves on the parent's SIGUSR2. A signal listener alone does
 * not keep Node's event loop alive (the process would exit with "unsettled
 * top-level await"), so a timer holds it open, which also bounds the wait if the
 * parent never signals.
 */
export function readyThenWaitForStart(name: string): Promise<void> {
  const go = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no start signal within 120 s`)), 120_000);
    process.once("SIGUSR2", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  emit("ready");
  return go;
}
