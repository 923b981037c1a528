// Every worker ticks the scheduler (packages/schedules) every
// SCHEDULER_INTERVAL_MS; the tick's row locks decide who handles which
// schedule, so any number of workers can, and one that dies mid-tick loses
// nothing. A tick that fails (database blip) is simply tried again next time.
import type { PrismaClient } from "@backline/db";
import { runSchedulerTick, type SchedulerSettings } from "@backline/schedules";
import type { Queue } from "bullmq";
import type { Logger } from "pino";

export function startSchedulerLoop(options: { db: PrismaClient; queue: Queue; log: Logger; intervalMs: number; settings: SchedulerSettings }) {
  const { db, queue, log } = options;
  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= runSchedulerTick(db, queue, options.settings)
      .then((result) => {
        if (result.runs + result.missed + result.paused.length > 0) log.info({ scheduler: result }, "scheduler: runs created");
        for (const p of result.paused) log.warn(p, "scheduler: a schedule paused itself");
        if (result.notEnqueued.length > 0) log.warn({ reportIds: result.notEnqueued }, "scheduler: jobs not added (the reconciler will add them)");
      })
      .catch((err: Error) => log.warn({ err: err.message }, "scheduler tick failed; will retry"))
      .finally(() => (running = null));
  };
  tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    /** Stops ticking and waits for a tick in progress. */
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
