// The webhook receivers of this web process's users (@backline/webhooks): the
// SSRF policy comes from the environment — WEBHOOK_ALLOWED_HOSTS, and https://
// receivers only when APP_URL is https:// (production).
import "server-only";
import { webhookEndpoints, type WebhookEndpoints } from "@backline/webhooks";
import { db } from "./db";
import { webEnv } from "./env";

const globalForWebhooks = globalThis as unknown as { backlineWebhooks?: WebhookEndpoints };

export function webhookService(): WebhookEndpoints {
  const env = webEnv();
  return (globalForWebhooks.backlineWebhooks ??= webhookEndpoints({
    db: db(),
    policy: { allowedHosts: env.WEBHOOK_ALLOWED_HOSTS, requireHttps: env.APP_URL.startsWith("https:") },
    authSecret: env.AUTH_SECRET,
  }));
}
