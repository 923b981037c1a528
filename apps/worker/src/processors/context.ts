import type { PrismaClient, ReportChange } from "@backline/db";
import type { CancellationListener } from "@backline/report-service";
import type { MailTransport } from "@backline/mail";
import type { Storage } from "@backline/storage";
import type { JobName, JobPayload } from "@backline/queue";
import type { Job } from "bullmq";
import type { Logger } from "pino";
import type { WorkerEnv } from "../env.ts";

/** What every processor may use; built once per worker process. */
export interface ProcessorContext {
  db: PrismaClient;
  mail: MailTransport;
  /** Where PDFs are written and read (STORAGE_URL): a folder or an S3-compatible bucket. */
  storage: Storage;
  env: Pick<
    WorkerEnv,
    | "APP_URL"
    | "MAIL_FROM"
    | "MAIL_ATTACHMENT_MAX_BYTES"
    | "AUTH_SECRET"
    | "DOWNLOAD_LINK_SECRET"
    | "DOWNLOAD_LINK_PREVIOUS_SECRETS"
    | "DOWNLOAD_LINK_TTL_HOURS"
    | "NOTIFY_REQUESTER_ON_FAILURE"
  >;
  /** host:pid, recorded in each report event. */
  workerId: string;
  log: Logger;
  /** Tells open status pages about a change (Redis pub/sub; never throws). */
  publish: (change: ReportChange | null) => Promise<void>;
  cancellations: CancellationListener;
  /** The webhook worker's settings (webhook-worker.ts); other queues' contexts have none. */
  webhooks?: { allowedHosts: readonly string[]; timeoutMs: number; retryBaseMs: number; disableAfterMs: number };
}

/** `token` is the job's lock token, needed to move the job back to the queue for later. */
export type Processor<N extends JobName> = (job: Job<JobPayload<N>>, ctx: ProcessorContext, token?: string) => Promise<unknown>;
