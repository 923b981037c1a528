// What a webhook announces, and what registering a receiver takes. The request
// schema is the one POST /api/webhooks validates with and the OpenAPI document
// describes.
import { z } from "zod";

export const WEBHOOK_EVENTS = ["report.sent", "report.failed", "schedule.paused", "campaign.completed", "campaign.paused"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Events only an admin may subscribe to (campaigns are admins'). */
export const ADMIN_WEBHOOK_EVENTS: readonly WebhookEvent[] = ["campaign.completed", "campaign.paused"];

export const webhookEventSchema = z.enum(WEBHOOK_EVENTS, { error: `Must be one of: ${WEBHOOK_EVENTS.join(", ")}` });

export const createWebhookSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: "Must be an http:// or https:// URL" })
      .max(2000)
      .meta({ example: "https://example.com/hooks/backline" }),
    events: z
      .array(webhookEventSchema)
      .min(1, "Choose at least one event")
      .refine((list) => new Set(list).size === list.length, "Name each event once")
      .meta({ example: ["report.sent", "report.failed"] }),
  })
  .meta({ id: "CreateWebhookRequest" });
export type CreateWebhookInput = z.infer<typeof createWebhookSchema>;

/** Most receivers one user may register. */
export const MAX_WEBHOOKS_PER_USER = 10;
