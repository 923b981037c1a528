// Every job Backline knows, defined once for producer and consumer. The worker
// keeps a Record<JobName, Processor>, so a job without a processor won't compile.
import type { z } from "zod";
import { deliverWebhookJob } from "./deliver-webhook.ts";
import { generateReportJob } from "./generate-report.ts";
import { sendSignInLinkJob } from "./send-sign-in-link.ts";

export const jobs = {
  [generateReportJob.name]: generateReportJob,
  [sendSignInLinkJob.name]: sendSignInLinkJob,
  [deliverWebhookJob.name]: deliverWebhookJob,
} as const;

export type JobName = keyof typeof jobs;
export type JobPayload<N extends JobName> = z.infer<(typeof jobs)[N]["payload"]>;

export { generateReportJob, type GenerateReportPayload } from "./generate-report.ts";
export { sendSignInLinkJob, type SendSignInLinkPayload } from "./send-sign-in-link.ts";
export { deliverWebhookJob, type DeliverWebhookPayload } from "./deliver-webhook.ts";
export type { JobDefinition } from "./define.ts";
