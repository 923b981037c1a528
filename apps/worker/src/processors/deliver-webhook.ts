// deliver-webhook: POST one outbox message (webhook_messages) to its endpoint,
// signed the Standard Webhooks way. The message's id is the webhook-id of every
// attempt and every Resend, and its body is fixed at the first attempt, so a
// receiver that dedupes on webhook-id sees each event once. Each attempt is
// recorded; 2xx delivers; 408, 429, 5xx and no answer are retried by BullMQ with
// doubling waits (about a day: webhookJobOptions); any other answer gives up at
// once. An endpoint whose deliveries have all failed for
// WEBHOOK_DISABLE_AFTER_HOURS is disabled and its owner emailed, once.
import { describeIssues } from "@backline/config";
import type { PrismaClient, WebhookMessage } from "@backline/db";
import { deliverWebhookJob } from "@backline/queue";
import { toReportView } from "@backline/report-service";
import { attemptVerdict, openWebhookSecret, postWebhook } from "@backline/webhooks";
import { UnrecoverableError } from "bullmq";
import type { Processor, ProcessorContext } from "./context.ts";

export const processDeliverWebhook: Processor<"deliver-webhook"> = async (job, ctx) => {
  const payload = deliverWebhookJob.payload.safeParse(job.data);
  if (!payload.success) throw new UnrecoverableError(`Invalid deliver-webhook payload: ${describeIssues(payload.error.issues)}`);
  const settings = ctx.webhooks;
  if (!settings) throw new UnrecoverableError("This worker has no webhook settings");
  const { messageId, round } = payload.data;
  const message = await ctx.db.webhookMessage.findUnique({ where: { id: messageId }, include: { endpoint: true } });
  // Deleted with its endpoint, delivered already, or resent meanwhile (a later round's job carries it now).
  if (message?.status !== "pending" || message.round !== round) return { skipped: message?.status ?? "gone" };
  const { endpoint } = message;
  if (endpoint.disabledAt) {
    await ctx.db.webhookMessage.updateMany({ where: { id: messageId, round }, data: { status: "failed" } });
    return { skipped: "endpoint disabled" };
  }
  const secret = openWebhookSecret(endpoint.sealedSecret, endpoint.id, ctx.env.AUTH_SECRET);
  if (!secret) throw new UnrecoverableError("The endpoint's secret can't be opened (AUTH_SECRET changed?)");
  const body = JSON.stringify(await frozenPayload(ctx.db, message));

  const outcome = await postWebhook({
    url: endpoint.url,
    id: message.id,
    body,
    secret,
    timeoutMs: settings.timeoutMs,
    allowedHosts: settings.allowedHosts,
  });
  await ctx.db.webhookAttempt.create({ data: { messageId, statusCode: outcome.statusCode, error: outcome.error, durationMs: outcome.durationMs } });
  const verdict = attemptVerdict(outcome);
  if (verdict === "delivered") {
    await ctx.db.$transaction([
      ctx.db.webhookMessage.updateMany({ where: { id: messageId, round }, data: { status: "delivered", deliveredAt: new Date() } }),
      ctx.db.webhookEndpoint.updateMany({ where: { id: endpoint.id, failingSince: { not: null } }, data: { failingSince: null } }),
    ]);
    return { delivered: outcome.statusCode };
  }
  const answer = outcome.statusCode === null ? (outcome.error ?? "no answer") : `HTTP ${outcome.statusCode}`;
  const last = verdict === "give-up" || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (last) await ctx.db.webhookMessage.updateMany({ where: { id: messageId, round }, data: { status: "failed" } });
  await noteFailure(endpoint.id, ctx, settings.disableAfterMs);
  ctx.log.info({ messageId, endpointId: endpoint.id, answer, last }, "webhook delivery failed");
  throw verdict === "give-up" ? new UnrecoverableError(`Receiver refused it: ${answer}`) : new Error(`Receiver failed: ${answer}`);
};

/** The body every attempt sends: built at the first one and stored, so retries and resends are byte-for-byte the same event. */
async function frozenPayload(db: PrismaClient, message: WebhookMessage): Promise<unknown> {
  if (message.payload !== null) return message.payload;
  const built = { type: message.type, timestamp: message.createdAt.toISOString(), data: await eventData(db, message) };
  // Whoever stores it first wins; everyone sends what was stored.
  const rows = await db.$queryRaw<{ payload: unknown }[]>`
    update webhook_messages set payload = coalesce(payload, ${JSON.stringify(built)}::jsonb) where id = ${message.id}::uuid returning payload`;
  return rows[0]?.payload ?? built;
}

/** `data` of each event type: the report as GET /api/reports/:id shows it, or the schedule's or campaign's state. */
async function eventData(db: PrismaClient, message: WebhookMessage): Promise<Record<string, unknown>> {
  if (message.type.startsWith("report.")) {
    const report = await db.report.findUnique({ where: { id: message.subjectId } });
    return { report: report ? toReportView(report) : { id: message.subjectId } };
  }
  if (message.type.startsWith("schedule.")) {
    const s = await db.schedule.findUnique({ where: { id: message.subjectId } });
    return {
      schedule: s ? { id: s.id, type: s.type, cron: s.cron, timeZone: s.timeZone, paused: s.paused, pausedReason: s.pausedReason } : { id: message.subjectId },
    };
  }
  const c = await db.campaign.findUnique({ where: { id: message.subjectId } });
  return {
    campaign: c
      ? {
          id: c.id,
          type: c.type,
          status: c.status,
          pausedReason: c.pausedReason,
          total: c.total,
          startedAt: c.startedAt?.toISOString() ?? null,
          finishedAt: c.finishedAt?.toISOString() ?? null,
        }
      : { id: message.subjectId },
  };
}

/** Marks the endpoint failing (since its first failure after a success); past the limit, disables it and emails its owner — once. */
async function noteFailure(endpointId: string, ctx: ProcessorContext, disableAfterMs: number): Promise<void> {
  await ctx.db.webhookEndpoint.updateMany({ where: { id: endpointId, failingSince: null }, data: { failingSince: new Date() } });
  const reason = `Every delivery failed for ${Math.round(disableAfterMs / 3_600_000)} hours`;
  const disabled = await ctx.db.webhookEndpoint.updateMany({
    where: { id: endpointId, disabledAt: null, failingSince: { lte: new Date(Date.now() - disableAfterMs) } },
    data: { disabledAt: new Date(), disabledReason: reason },
  });
  if (disabled.count === 0) return;
  const endpoint = await ctx.db.webhookEndpoint.findUnique({ where: { id: endpointId }, include: { user: { select: { email: true } } } });
  if (!endpoint) return;
  ctx.log.warn({ endpointId }, "webhook endpoint disabled after failing for too long; owner emailed");
  const settings = new URL("/settings#webhooks", ctx.env.APP_URL).toString();
  await ctx.mail
    .sendMail({
      from: ctx.env.MAIL_FROM,
      to: endpoint.user.email,
      subject: "Backline turned off one of your webhooks",
      text: [
        `Your webhook ${endpoint.url} has not accepted a delivery for ${Math.round(disableAfterMs / 3_600_000)} hours, so Backline stopped sending to it.`,
        "",
        `See what it answered, fix it and press Resend to turn it back on: ${settings}`,
      ].join("\n"),
    })
    .catch((err: Error) => ctx.log.warn({ endpointId, err: err.message }, "could not email the owner of a disabled webhook"));
}
