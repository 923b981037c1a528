// One processor per job. The mapped type makes this exhaustive: adding a job
// to @backline/queue without a processor here fails to compile.
import type { JobName } from "@backline/queue";
import type { Processor } from "./context.ts";
import { processDeliverWebhook } from "./deliver-webhook.ts";
import { processGenerateReport } from "./generate-report.ts";
import { processSendSignInLink } from "./send-sign-in-link.ts";

export const processors: { [N in JobName]: Processor<N> } = {
  "generate-report": processGenerateReport,
  "send-sign-in-link": processSendSignInLink,
  "deliver-webhook": processDeliverWebhook,
};

export type { Processor, ProcessorContext } from "./context.ts";
