// A user's webhook receivers, as the web app manages them: register (the URL
// checked against SSRF, the secret returned once), list, delete, the latest
// deliveries with each attempt, and Resend (the same message, same webhook-id,
// in a new round the workers' dispatcher picks up).
import type { FieldIssue } from "@backline/config";
import { toFieldIssues } from "@backline/config";
import type { PrismaClient } from "@backline/db";
import { receiverProblem, type ReceiverPolicy } from "./address-guard.ts";
import { ADMIN_WEBHOOK_EVENTS, MAX_WEBHOOKS_PER_USER, createWebhookSchema, type WebhookEvent } from "./events.ts";
import { newWebhookSecret, sealWebhookSecret } from "./secrets.ts";

export interface Owner {
  userId: string;
  admin: boolean;
}

export interface WebhookEndpointView {
  id: string;
  url: string;
  events: WebhookEvent[];
  createdAt: string;
  disabledAt: string | null;
  disabledReason: string | null;
  failingSince: string | null;
}

export interface WebhookAttemptView {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDeliveryView {
  id: string;
  type: string;
  subjectId: string;
  status: "pending" | "delivered" | "failed";
  createdAt: string;
  deliveredAt: string | null;
  attempts: WebhookAttemptView[];
}

type Refusal = { ok: false; status: number; error: string; issues?: FieldIssue[] };

export interface WebhookEndpointsDeps {
  db: PrismaClient;
  policy: ReceiverPolicy;
  authSecret: string;
}

export function webhookEndpoints({ db, policy, authSecret }: WebhookEndpointsDeps) {
  const view = (e: {
    id: string;
    url: string;
    events: string[];
    createdAt: Date;
    disabledAt: Date | null;
    disabledReason: string | null;
    failingSince: Date | null;
  }): WebhookEndpointView => ({
    id: e.id,
    url: e.url,
    events: e.events as WebhookEvent[],
    createdAt: e.createdAt.toISOString(),
    disabledAt: e.disabledAt?.toISOString() ?? null,
    disabledReason: e.disabledReason,
    failingSince: e.failingSince?.toISOString() ?? null,
  });
  const owned = (id: string, owner: Owner) => (UUID.test(id) ? db.webhookEndpoint.findFirst({ where: { id, userId: owner.userId } }) : Promise.resolve(null));

  return {
    async create(body: unknown, owner: Owner): Promise<{ ok: true; endpoint: WebhookEndpointView; secret: string } | Refusal> {
      const parsed = createWebhookSchema.safeParse(body);
      if (!parsed.success) return { ok: false, status: 400, error: "Invalid webhook", issues: toFieldIssues(parsed.error.issues) };
      const { url, events } = parsed.data;
      const adminOnly = events.filter((e) => ADMIN_WEBHOOK_EVENTS.includes(e));
      if (adminOnly.length > 0 && !owner.admin) {
        return {
          ok: false,
          status: 400,
          error: "Invalid webhook",
          issues: [{ path: "events", message: `${adminOnly.join(", ")}: campaigns are admins' only` }],
        };
      }
      const problem = await receiverProblem(url, policy);
      if (problem) return { ok: false, status: 400, error: "Invalid webhook", issues: [{ path: "url", message: problem }] };
      if ((await db.webhookEndpoint.count({ where: { userId: owner.userId } })) >= MAX_WEBHOOKS_PER_USER) {
        return { ok: false, status: 409, error: `At most ${MAX_WEBHOOKS_PER_USER} webhooks per account: delete one first` };
      }
      const id = crypto.randomUUID();
      const secret = newWebhookSecret();
      const endpoint = await db.webhookEndpoint.create({
        data: { id, userId: owner.userId, url, events, sealedSecret: sealWebhookSecret(secret, id, authSecret) },
      });
      return { ok: true, endpoint: view(endpoint), secret };
    },

    async list(owner: Owner): Promise<WebhookEndpointView[]> {
      return (await db.webhookEndpoint.findMany({ where: { userId: owner.userId }, orderBy: { createdAt: "desc" } })).map(view);
    },

    /** Its messages stop with it (pending ones are deleted; a job that finds none does nothing). */
    async remove(id: string, owner: Owner): Promise<boolean> {
      if (!UUID.test(id)) return false;
      return (await db.webhookEndpoint.deleteMany({ where: { id, userId: owner.userId } })).count > 0;
    },

    /** The latest deliveries, newest first, each with its attempts; null when the endpoint isn't theirs. */
    async deliveries(id: string, owner: Owner, limit = 50): Promise<WebhookDeliveryView[] | null> {
      if (!(await owned(id, owner))) return null;
      const messages = await db.webhookMessage.findMany({
        where: { endpointId: id },
        orderBy: { createdAt: "desc" },
        take: limit,
        include: { attempts: { orderBy: { id: "asc" }, take: 20 } },
      });
      return messages.map((m) => ({
        id: m.id,
        type: m.type,
        subjectId: m.subjectId,
        status: m.status as WebhookDeliveryView["status"],
        createdAt: m.createdAt.toISOString(),
        deliveredAt: m.deliveredAt?.toISOString() ?? null,
        attempts: m.attempts.map((a) => ({ at: a.at.toISOString(), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
      }));
    },

    /** The same message (same webhook-id and body) once more, in a new round; an endpoint disabled for failing is enabled again. */
    async resend(id: string, messageId: string, owner: Owner): Promise<boolean> {
      if (!UUID.test(messageId) || !(await owned(id, owner))) return false;
      const [resent] = await db.$transaction([
        db.webhookMessage.updateMany({
          where: { id: messageId, endpointId: id },
          data: { status: "pending", round: { increment: 1 }, enqueuedAt: null },
        }),
        db.webhookEndpoint.updateMany({ where: { id, userId: owner.userId }, data: { disabledAt: null, disabledReason: null, failingSince: null } }),
      ]);
      return resent.count > 0;
    },
  };
}

export type WebhookEndpoints = ReturnType<typeof webhookEndpoints>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
