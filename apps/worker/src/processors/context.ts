import type { PrismaClient } from "@backline/db";
import type { MailTransport } from "@backline/mail";
import type { JobName, JobPayload } from "@backline/queue";
import type { Job } from "bullmq";
import type { Logger } from "pino";
import type { WorkerEnv } from "../env.ts";

/** What every processor may use; built once per worker process. */
export interface ProcessorContext {
  db: PrismaClient;
  mail: MailTransport;
  env: Pick<WorkerEnv, "REPORTS_DIR" | "APP_URL" | "MAIL_FROM" | "MAIL_ATTACHMENT_MAX_BYTES">;
  /** host:pid, recorded in each report event. */
  workerId: string;
  log: Logger;
}

export type Processor<N extends JobName> = (job: Job<JobPayload<N>>, ctx: ProcessorContext) => Promise<unknown>;
