// Starts the BullMQ worker for the reports queue and routes each job to its
// processor. Used by main.ts and, in-process, by the integration tests.
import os from "node:os";
import { QUEUES, createRedis, type JobName } from "@backline/queue";
import { Worker } from "bullmq";
import type { Logger } from "pino";
import { processors, type ProcessorContext } from "./processors/index.ts";

export interface ReportWorkerOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  context: Omit<ProcessorContext, "workerId"> & { workerId?: string };
}

export function startReportWorker(options: ReportWorkerOptions): Worker {
  const workerId = options.context.workerId ?? `${os.hostname()}:${process.pid}`;
  const ctx: ProcessorContext = { ...options.context, workerId };
  const log: Logger = ctx.log;

  const worker = new Worker(
    QUEUES.reports,
    async (job) => {
      const processor = processors[job.name as JobName];
      if (!processor) throw new Error(`No processor for job "${job.name}"`);
      return processor(job, ctx);
    },
    {
      connection: createRedis(options.redisUrl, "worker"),
      prefix: options.prefix,
      concurrency: options.concurrency,
    },
  );
  worker.on("error", (err) => log.error({ err: err.message }, "worker error"));
  worker.on("completed", (job) => log.info({ jobId: job.id, name: job.name }, "job completed"));
  worker.on("failed", (job, err) => log.warn({ jobId: job?.id, name: job?.name, err: err.message }, "job failed"));
  return worker;
}
