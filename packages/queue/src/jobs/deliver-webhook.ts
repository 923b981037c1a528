// Job: POST one webhook message to its endpoint. The payload is the
// `webhook_messages` row id only (and the Resend round); the body, the URL and
// the signing secret stay in Postgres.
import { z } from "zod";
import type { JobDefinition } from "./define.ts";

export const deliverWebhookJob = {
  name: "deliver-webhook",
  payload: z.strictObject({ messageId: z.uuid(), round: z.number().int().min(0) }),
} as const satisfies JobDefinition;

export type DeliverWebhookPayload = z.infer<typeof deliverWebhookJob.payload>;
