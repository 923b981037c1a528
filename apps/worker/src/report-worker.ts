// Starts the BullMQ worker for the reports queue and routes each job to its
// processor, with the Redis side channels a processor needs (updates out,
// cancel requests in). Used by main.ts and, in-process, by the tests.
import os from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { QUEUES, createRedis, type JobName } from "@backline/queue";
import { CancellationListener, publishReportChange } from "@backline/report-service";
import { Worker } from "bullmq";
import { processors, type ProcessorContext } from "./processors/index.ts";

export interface ReportWorkerOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  /**
   * Lock on each running job, renewed every half of it. A worker that dies
   * (kill -9) stops renewing; within ~1.5× this another worker takes the job
   * over. BullMQ's 30 s default means half a minute of nothing after a crash.
   */
  lockMs?: number;
  /** Jobs started per second across every worker on this queue (BullMQ's limiter lives in Redis). Each sends at most one email, so this caps the SMTP rate. */
  mailMaxPerSecond?: number;
  context: Pick<ProcessorContext, "db" | "mail" | "log" | "env"> & { workerId?: string };
}

export interface RunningWorker {
  worker: Worker;
  workerId: string;
  /** Stops taking jobs, waits for those in flight, closes connections. */
  close(): Promise<void>;
}

export async function startReportWorker(options: ReportWorkerOptions): Promise<RunningWorker> {
  const workerId = options.context.workerId ?? `${os.hostname()}:${process.pid}`;
  const publisher = createRedis(options.redisUrl, "worker");
  const cancellations = await CancellationListener.start(createRedis(options.redisUrl, "subscriber"), options.prefix);
  const ctx: ProcessorContext = {
    ...options.context,
    workerId,
    cancellations,
    publish: (change) => publishReportChange(publisher, options.prefix, change),
  };
  const { log } = ctx;

  const worker = new Worker(
    QUEUES.reports,
    async (job, token) => {
      const processor = processors[job.name as JobName];
      if (!processor) throw new Error(`No processor for job "${job.name}"`);
      return processor(job, ctx, token);
    },
    {
      connection: createRedis(options.redisUrl, "worker"),
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs ?? 5000,
      stalledInterval: Math.round((options.lockMs ?? 5000) / 2),
      // A job whose worker keeps dying is failed after this many takeovers.
      maxStalledCount: 2,
      ...(options.mailMaxPerSecond ? { limiter: { max: options.mailMaxPerSecond, duration: 1000 } } : {}),
    },
  );
  // Lock renewal runs on this event loop: if rendering blocked it for longer
  // than the lock, other workers would take the job over while it still runs.
  // Each completion logs the worst delay since the previous one, so it can be watched.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  worker.on("error", (err) => log.error({ err: err.message }, "worker error"));
  worker.on("completed", (job) => {
    log.info({ jobId: job.id, name: job.name, loopDelayMaxMs: Math.round(loopDelay.max / 1e6), loopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e6) }, "job completed");
    loopDelay.reset();
  });
  worker.on("stalled", (jobId) => log.warn({ jobId }, "job stalled: its worker stopped renewing the lock; another worker takes it over"));
  worker.on("failed", (job, err) => log.warn({ jobId: job?.id, name: job?.name, err: err.message }, "job failed"));
  await worker.waitUntilReady();

  return {
    worker,
    workerId,
    async close() {
      loopDelay.disable();
      await worker.close();
      await cancellations.close();
      publisher.disconnect();
    },
  };
}
