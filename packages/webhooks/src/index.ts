export { guardedLookup, isPublicAddress, literalAddressRefused, receiverProblem, type ReceiverPolicy } from "./address-guard.ts";
export { attemptVerdict, postWebhook, signWebhook, type AttemptOutcome, type PostOptions, type SignedHeaders } from "./deliver.ts";
export {
  webhookEndpoints,
  type Owner,
  type WebhookAttemptView,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookEndpoints,
  type WebhookEndpointsDeps,
} from "./endpoints.ts";
export {
  ADMIN_WEBHOOK_EVENTS,
  MAX_WEBHOOKS_PER_USER,
  WEBHOOK_EVENTS,
  createWebhookSchema,
  webhookEventSchema,
  type CreateWebhookInput,
  type WebhookEvent,
} from "./events.ts";
export { newWebhookSecret, openWebhookSecret, sealWebhookSecret } from "./secrets.ts";
