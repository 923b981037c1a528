// What an admin can ask of campaigns — create (from an audience or a CSV),
// read with live counts, list, pause, resume, cancel, retry the failed, export
// every recipient's outcome — and what the workers ask (start the ones due,
// finish the ones done, pause one that keeps failing). Admins only: for anyone
// else every campaign is as absent as a missing one.
import { toFieldIssues, type FieldIssue } from "@backline/config";
import type { Campaign, Prisma, PrismaClient } from "@backline/db";
import type { Actor } from "@backline/report-service";
import { getReportType, parseReport, recipientParams, recipientTypeIds } from "@backline/reports";
import { stringify } from "csv-stringify/sync";
import { v7 as uuidv7 } from "uuid";
import { z } from "zod";
import { audienceFilter, audienceSchema, insertRecipients, readRecipientCsv, type Audience, type StoredAudience } from "./audience.ts";
import { CAMPAIGN_COMMANDS, canCampaign, type CampaignCommand, type RecipientCounts, type RecipientStatus } from "./campaign-status.ts";

export const campaignRequestSchema = z.strictObject({
  type: z.string({ error: "Choose a report type" }).max(64),
  params: z.record(z.string(), z.unknown(), { error: "Must be an object" }).optional(),
  audience: audienceSchema,
  /** ISO instant; absent or past: start now. */
  startAt: z.iso.datetime({ offset: true, error: "An ISO date-time, e.g. 2026-12-07T02:00:00Z" }).optional(),
  ratePerSecond: z.number().int().min(1).max(100_000).optional(),
});

/** The same request with its recipients from a CSV (a multipart upload): the ids it named. */
export type CampaignInput = Omit<z.infer<typeof campaignRequestSchema>, "audience"> & { audience: StoredAudience; ids?: number[] };

export interface CampaignView {
  id: string;
  type: string;
  title: string;
  params: Record<string, unknown>;
  audience: StoredAudience;
  status: Campaign["status"];
  pausedReason: string | null;
  total: number;
  counts: RecipientCounts;
  /** Emails sent per second over the last half minute. */
  ratePerSecond: number;
  /** The campaign's own cap on its rate, if it has one. */
  maxRatePerSecond: number | null;
  /** Seconds until every pending recipient is sent at the current rate, when that can be said. */
  etaSeconds: number | null;
  /** Sends whose outcome was unknown (a broken connection after the message) that were sent again with the same Message-ID. */
  resends: number;
  startAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string;
}

export type CampaignResult = { ok: true; campaign: CampaignView } | { ok: false; status: 400 | 404 | 409; error: string; issues?: FieldIssue[] };

const notFound = { ok: false, status: 404, error: "Campaign not found" } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The request's type and shared params, checked as the first recipient's report would be. */
export function checkCampaignReport(type: string, params: Record<string, unknown>): { ok: true } | { ok: false; issues: FieldIssue[] } {
  if (!getReportType(type)) {
    const parsed = parseReport(type, {});
    return { ok: false, issues: parsed.ok ? [] : parsed.issues };
  }
  const params1 = recipientParams(type, params, 1);
  if (!params1) return { ok: false, issues: [{ path: "type", message: `Campaigns send reports made for one recipient: ${recipientTypeIds().join(", ")}` }] };
  const parsed = parseReport(type, params1);
  return parsed.ok ? { ok: true } : { ok: false, issues: parsed.issues };
}

export function campaignService(db: PrismaClient) {
  const find = (id: string, actor: Actor) => (actor.admin && UUID.test(id) ? db.campaign.findUnique({ where: { id } }) : Promise.resolve(null));

  async function counts(id: string): Promise<{ counts: RecipientCounts; resends: number; ratePerSecond: number }> {
    const [rows, [recent]] = await Promise.all([
      db.$queryRaw<{ status: string; n: number; resends: number }[]>`
        select status::text, count(*)::int as n, sum(resends)::int as resends from campaign_recipients where campaign_id = ${id}::uuid group by status`,
      db.$queryRaw<{ n: number }[]>`
        select count(*)::int as n from campaign_recipients where campaign_id = ${id}::uuid and status = 'sent' and sent_at > now() - interval '30 seconds'`,
    ]);
    const n = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
    return {
      counts: { pending: n("pending"), sending: n("claimed") + n("sending"), sent: n("sent"), failed: n("failed"), skipped: n("skipped") },
      resends: rows.reduce((s, r) => s + r.resends, 0),
      ratePerSecond: Math.round(((recent?.n ?? 0) / 30) * 10) / 10,
    };
  }

  async function view(campaign: Campaign): Promise<CampaignView> {
    const live = await counts(campaign.id);
    const left = live.counts.pending + live.counts.sending;
    return {
      id: campaign.id,
      type: campaign.type,
      title: getReportType(campaign.type)?.title ?? campaign.type,
      params: campaign.params as Record<string, unknown>,
      audience: campaign.audience as StoredAudience,
      status: campaign.status,
      pausedReason: campaign.pausedReason,
      total: campaign.total,
      counts: live.counts,
      ratePerSecond: live.ratePerSecond,
      maxRatePerSecond: campaign.ratePerSecond,
      etaSeconds: campaign.status === "running" && live.ratePerSecond > 0 ? Math.ceil(left / live.ratePerSecond) : null,
      resends: live.resends,
      startAt: campaign.startAt.toISOString(),
      startedAt: campaign.startedAt?.toISOString() ?? null,
      finishedAt: campaign.finishedAt?.toISOString() ?? null,
      createdAt: campaign.createdAt.toISOString(),
    };
  }

  return {
    /** Writes the campaign and every recipient in one transaction; it starts at startAt (now if absent). */
    async create(input: CampaignInput, actor: Actor, now = new Date()): Promise<CampaignResult> {
      if (!actor.admin) return notFound;
      const params = input.params ?? {};
      const checked = checkCampaignReport(input.type, params);
      if (!checked.ok) return { ok: false, status: 400, error: "Invalid campaign", issues: checked.issues };
      const startAt = input.startAt ? new Date(input.startAt) : now;
      const id = uuidv7();
      const campaign = await db.$transaction(
        async (tx) => {
          await tx.campaign.create({
            data: {
              id,
              createdBy: actor.userId,
              type: input.type,
              params: params as Prisma.InputJsonValue,
              audience: input.audience as Prisma.InputJsonValue,
              status: startAt > now ? "scheduled" : "running",
              startAt,
              startedAt: startAt > now ? null : now,
              ratePerSecond: input.ratePerSecond ?? null,
            },
          });
          const audience = input.audience.kind === "csv" ? { kind: "ids" as const, ids: input.ids ?? [] } : input.audience;
          const total = await insertRecipients(tx, id, audience);
          return tx.campaign.update({ where: { id }, data: { total } });
        },
        { timeout: 120_000 },
      );
      if (campaign.total === 0) {
        await db.campaign.update({ where: { id }, data: { status: "completed", finishedAt: now } });
      }
      return { ok: true, campaign: await view(await db.campaign.findUniqueOrThrow({ where: { id } })) };
    },

    /** The regions an audience can name, for the form. */
    regions: () => db.region.findMany({ select: { code: true, name: true }, orderBy: { id: "asc" } }),

    /** An uploaded CSV's customers, and its rows that name nobody (by line). */
    recipientsFromCsv: (text: string) => readRecipientCsv(db, text),

    async get(id: string, actor: Actor): Promise<CampaignView | null> {
      const campaign = await find(id, actor);
      return campaign ? view(campaign) : null;
    },

    async list(actor: Actor): Promise<CampaignView[]> {
      if (!actor.admin) return [];
      const rows = await db.campaign.findMany({ orderBy: { id: "desc" }, take: 200 });
      return Promise.all(rows.map(view));
    },

    /** pause, resume, cancel, retry-failed: 409 with the reason when the campaign's status doesn't allow it. */
    async command(id: string, command: CampaignCommand, actor: Actor, now = new Date()): Promise<CampaignResult> {
      const campaign = await find(id, actor);
      if (!campaign) return notFound;
      if (!canCampaign(command, campaign.status)) {
        const allowed = CAMPAIGN_COMMANDS[command].from.join(", ");
        return {
          ok: false,
          status: 409,
          error: `A ${campaign.status} campaign can't be ${command === "retry-failed" ? "retried" : `${command}d`}; only ${allowed} ones can.`,
        };
      }
      const from = [...CAMPAIGN_COMMANDS[command].from];
      const changed = await db.$transaction(async (tx) => {
        if (command === "retry-failed") {
          const retried = await tx.$executeRaw`
            update campaign_recipients set status = 'pending', failure_reason = null, smtp_response = null, not_before = null, updated_at = now()
            where campaign_id = ${id}::uuid and status = 'failed'`;
          if (retried === 0) return -1;
        }
        const { count } = await tx.campaign.updateMany({
          where: { id, status: { in: from } },
          data: {
            status: CAMPAIGN_COMMANDS[command].to,
            pausedReason: command === "pause" ? `Paused by ${actor.email}` : null,
            ...(command === "cancel" ? { finishedAt: now } : {}),
            // Its new PDFs get a retention period of their own once it completes again.
            ...(command === "retry-failed" ? { finishedAt: null, purgedAt: null } : {}),
            ...(command === "resume" && !campaign.startedAt ? { startedAt: now } : {}),
          },
        });
        return count;
      });
      if (changed === -1) return { ok: false, status: 409, error: "No recipient has failed; there is nothing to retry." };
      if (changed === 0) return { ok: false, status: 409, error: "The campaign changed status meanwhile; reload and try again." };
      return { ok: true, campaign: await view(await db.campaign.findUniqueOrThrow({ where: { id } })) };
    },

    /** A page of recipients (e.g. the failed ones, with their reasons), in id order after `after`. */
    async recipients(id: string, actor: Actor, query: { status?: RecipientStatus; after?: bigint; limit?: number }) {
      if (!(await find(id, actor))) return null;
      const rows = await db.campaignRecipient.findMany({
        where: { campaignId: id, ...(query.status ? { status: query.status } : {}), ...(query.after ? { id: { gt: query.after } } : {}) },
        orderBy: { id: "asc" },
        take: Math.min(query.limit ?? 50, 500),
        select: { id: true, customerId: true, email: true, status: true, failureReason: true, sentAt: true, claims: true, resends: true },
      });
      return rows.map((r) => ({ ...r, id: r.id.toString(), sentAt: r.sentAt?.toISOString() ?? null }));
    },

    /** How many an audience reaches now, and its first customer (whose report the preview makes). */
    async previewAudience(audience: Audience): Promise<{ total: number; first: { id: number; name: string; email: string } | null }> {
      const filter = audienceFilter(audience);
      const [[count], [first]] = await Promise.all([
        db.$queryRaw<{ n: number }[]>`select count(*)::int as n from customers c where ${filter}`,
        db.$queryRaw<{ id: number; name: string; email: string }[]>`select c.id, c.name, c.email from customers c where ${filter} order by c.id limit 1`,
      ]);
      return { total: count?.n ?? 0, first: first ?? null };
    },

    /** Every recipient's outcome as CSV, in pages of rows (a 100,000-recipient campaign is never held whole). */
    async *exportCsv(id: string, actor: Actor): AsyncGenerator<string> {
      if (!(await find(id, actor))) return;
      yield stringify([["recipient_id", "customer_id", "email", "status", "failure_reason", "sent_at", "message_id", "claims", "resends"]]);
      let after = 0n;
      for (;;) {
        const rows = await db.campaignRecipient.findMany({ where: { campaignId: id, id: { gt: after } }, orderBy: { id: "asc" }, take: 5000 });
        if (rows.length === 0) return;
        after = rows.at(-1)!.id;
        yield stringify(
          rows.map((r) => [
            r.id.toString(),
            r.customerId,
            r.email,
            r.status,
            r.failureReason ?? "",
            r.sentAt?.toISOString() ?? "",
            r.messageId ?? "",
            r.claims,
            r.resends,
          ]),
        );
      }
    },
  };
}

export type CampaignService = ReturnType<typeof campaignService>;

/** A JSON request body as a CampaignInput, or its field issues. */
export function parseCampaignRequest(body: unknown): { ok: true; input: CampaignInput } | { ok: false; issues: FieldIssue[] } {
  const parsed = campaignRequestSchema.safeParse(body);
  return parsed.success ? { ok: true, input: parsed.data } : { ok: false, issues: toFieldIssues(parsed.error.issues) };
}
