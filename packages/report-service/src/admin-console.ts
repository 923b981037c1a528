// What the admin console (/admin) reads: one search box over reports, campaign
// recipients and schedule runs; failures grouped by reason over a window; what
// is stuck (in flight without a live job, or generating past its type's p99);
// the reconciler's latest re-adds and the audit log of admins' actions. Admins
// only — the web app checks that before calling any of it.
//
// Every query is a named piece of SQL (ADMIN_QUERIES), so the plan tool
// (tools/admin-search-plan.ts) and its test EXPLAIN exactly what runs here.
// Each is backed by an index with a million reports in the table: reports by
// primary key, (owner_email, id desc), (schedule_id, occurrence) and (status,
// finished_at); campaign recipients by (email) and (campaign_id, customer_id);
// schedule runs by (schedule_id, occurrence); the audit log by id and by
// (action, at desc).
import { AUDIT_ACTIONS, IN_FLIGHT, Prisma, type PrismaClient, type ReportStatus } from "@backline/db";
import { jobLiveness } from "@backline/queue";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Actor } from "./actor.ts";
import type { ReportCommands } from "./commands.ts";
import { isReportId } from "./report-reads.ts";

/** Rows a search answers with, per kind. */
const SEARCH_LIMIT = 50;
/** Examples shown under each failure reason. */
const FAILURE_EXAMPLES = 10;
/** A row in flight is given this long to get its job before it counts as stuck (the reconciler's grace). */
const STUCK_GRACE_MS = 5000;
/** The p99 of a type's duration comes from at most this many of the latest sent reports… */
const DURATION_SAMPLE = 2000;
/** …and needs at least this many of them. */
const MIN_DURATION_SAMPLES = 10;

export const FAILURE_WINDOWS = { "1h": 1, "24h": 24, "7d": 168 } as const;
export type FailureWindow = keyof typeof FAILURE_WINDOWS;
export const failureWindowSchema = z.enum(Object.keys(FAILURE_WINDOWS) as [FailureWindow, ...FailureWindow[]], { error: "Choose 1h, 24h or 7d" });

const ADDRESS = /^[^\s@]+@[^\s@]+$/;

/** What a search box's text is: an id (report, campaign or schedule: all UUIDs), an address, or neither. */
export function recogniseQuery(text: string): { kind: "id"; id: string } | { kind: "address"; email: string } | { kind: "empty" } | { kind: "unrecognised" } {
  const q = text.trim();
  if (q === "") return { kind: "empty" };
  if (isReportId(q)) return { kind: "id", id: q.toLowerCase() };
  // Addresses are stored lower-case (users, reports' owner_email, campaign recipients).
  if (q.length <= 254 && ADDRESS.test(q)) return { kind: "address", email: q.toLowerCase() };
  return { kind: "unrecognised" };
}

const REPORT_COLUMNS = Prisma.sql`id::text as id, type, owner_email as "ownerEmail", status::text as status, failure_reason as "failureReason",
  attempts, created_at as "createdAt", started_at as "startedAt", finished_at as "finishedAt", schedule_id::text as "scheduleId"`;
const RECIPIENT_COLUMNS = Prisma.sql`id::text as id, campaign_id::text as "campaignId", customer_id as "customerId", email, status::text as status,
  failure_reason as "failureReason", sent_at as "sentAt", updated_at as "updatedAt"`;
const inFlight = Prisma.raw(IN_FLIGHT.map((s) => `'${s}'`).join(", "));

/** The console's SQL, one function per question. */
export const ADMIN_QUERIES = {
  reportById: (id: string) => Prisma.sql`select ${REPORT_COLUMNS} from reports where id = ${id}::uuid`,
  reportsByAddress: (email: string, limit = SEARCH_LIMIT) =>
    Prisma.sql`select ${REPORT_COLUMNS} from reports where owner_email = ${email} order by reports.id desc limit ${limit}`,
  recipientsByAddress: (email: string, limit = SEARCH_LIMIT) =>
    Prisma.sql`select ${RECIPIENT_COLUMNS} from campaign_recipients where email = ${email} order by campaign_recipients.id desc limit ${limit}`,
  campaignById: (id: string) =>
    Prisma.sql`select id::text as id, type, status::text as status, total, created_at as "createdAt", finished_at as "finishedAt" from campaigns where id = ${id}::uuid`,
  recipientsByCampaign: (id: string, limit = SEARCH_LIMIT) =>
    Prisma.sql`select ${RECIPIENT_COLUMNS} from campaign_recipients where campaign_id = ${id}::uuid order by customer_id limit ${limit}`,
  scheduleById: (id: string) =>
    Prisma.sql`select s.id::text as id, s.type, u.email as "ownerEmail", s.cron, s.time_zone as "timeZone", s.paused, s.paused_reason as "pausedReason",
      s.next_run_at as "nextRunAt" from schedules s join users u on u.id = s.user_id where s.id = ${id}::uuid`,
  runsBySchedule: (id: string, limit = SEARCH_LIMIT) =>
    Prisma.sql`select r.id::text as id, r.schedule_id::text as "scheduleId", r.occurrence, r.due_at as "dueAt", r.missed, r.report_id::text as "reportId",
      rep.status::text as "reportStatus", rep.failure_reason as "failureReason"
      from schedule_runs r left join reports rep on rep.id = r.report_id
      where r.schedule_id = ${id}::uuid order by r.occurrence desc limit ${limit}`,
  /** Per reason: how many, the latest, and the latest few ids (from one range scan of (status, finished_at)). */
  failuresByReason: (since: Date, examples = FAILURE_EXAMPLES) =>
    Prisma.sql`select coalesce(failure_reason, '') as reason, count(*)::int as count, max(finished_at) as latest,
      (array_agg(id::text order by finished_at desc))[1:${examples}::int] as examples
      from reports where status = 'failed' and finished_at >= ${since}::timestamptz
      group by 1 order by count(*) desc, max(finished_at) desc limit 100`,
  reportsByIds: (ids: string[]) => Prisma.sql`select ${REPORT_COLUMNS} from reports where id = any(${ids}::uuid[])`,
  /** p99 of started → finished per type, over the latest sent reports (a backward scan of (status, finished_at)). */
  durationsByType: (sample = DURATION_SAMPLE) =>
    Prisma.sql`select type, count(*)::int as samples, percentile_cont(0.99) within group (order by seconds) as p99
      from (select type, extract(epoch from finished_at - started_at)::float8 as seconds from reports
            where status = 'sent' and finished_at is not null and started_at is not null order by finished_at desc limit ${sample}) recent
      group by type`,
  inFlightBefore: (cutoff: Date, limit = 500) =>
    Prisma.sql`select ${REPORT_COLUMNS}, updated_at as "updatedAt" from reports
      where status in (${inFlight}) and updated_at < ${cutoff}::timestamptz order by reports.id limit ${limit}`,
  generating: (limit = 500) =>
    Prisma.sql`select ${REPORT_COLUMNS}, stage, progress from reports where status = 'generating' order by started_at limit ${limit}`,
  reconcilerActions: (limit = 20) =>
    Prisma.sql`select id::text as id, at, actor, action, target, detail from audit_log where action = ${AUDIT_ACTIONS.reconcilerRequeue} order by at desc limit ${limit}`,
  /** Admins' actions, newest first (the id is the order and the cursor). */
  adminActions: (before: bigint | null, limit = 50) =>
    Prisma.sql`select id::text as id, at, actor, action, target, detail from audit_log
      where action <> ${AUDIT_ACTIONS.reconcilerRequeue} ${before === null ? Prisma.empty : Prisma.sql`and audit_log.id < ${before}`} order by audit_log.id desc limit ${limit}`,
};

export interface ReportHit {
  id: string;
  type: string;
  ownerEmail: string;
  status: ReportStatus;
  failureReason: string | null;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  scheduleId: string | null;
}

export interface RecipientHit {
  id: string;
  campaignId: string;
  customerId: number;
  email: string;
  status: string;
  failureReason: string | null;
  sentAt: Date | null;
  updatedAt: Date;
}

export interface CampaignHit {
  id: string;
  type: string;
  status: string;
  total: number;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface ScheduleHit {
  id: string;
  type: string;
  ownerEmail: string;
  cron: string;
  timeZone: string;
  paused: boolean;
  pausedReason: string | null;
  nextRunAt: Date | null;
}

export interface RunHit {
  id: string;
  scheduleId: string;
  /** Nominal local time in the schedule's zone. */
  occurrence: Date;
  dueAt: Date;
  missed: boolean;
  reportId: string | null;
  reportStatus: ReportStatus | null;
  failureReason: string | null;
}

export interface SearchResult {
  query: string;
  kind: "empty" | "unrecognised" | "id" | "address";
  reports: ReportHit[];
  recipients: RecipientHit[];
  campaign: CampaignHit | null;
  schedule: ScheduleHit | null;
  runs: RunHit[];
}

export interface FailureGroup {
  /** The report's failure reason as written ("" when none was). */
  reason: string;
  count: number;
  latest: Date;
  /** The latest few, newest first. */
  examples: ReportHit[];
}

export interface StuckReport extends ReportHit {
  why: "no-live-job" | "slow";
  /** For a slow one: its type's p99 in seconds, and how long it has been generating. */
  p99Seconds?: number;
  runningSeconds?: number;
}

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  detail: unknown;
}

export interface AdminConsoleDeps {
  db: PrismaClient;
  /** The reports queue (its prefix is the deployment's QUEUE_PREFIX). */
  queue: Queue;
  /** Any connection to the queue's Redis, for the pipelined job look-ups. */
  redis: Redis;
}

export function adminConsole({ db, queue, redis }: AdminConsoleDeps) {
  const rows = <T>(sql: Prisma.Sql) => db.$queryRaw<T[]>(sql);

  return {
    /** One box: a UUID is looked up as a report, a campaign and a schedule at once; an address finds reports and campaign emails. */
    async search(text: string): Promise<SearchResult> {
      const query = text.trim().slice(0, 300);
      const what = recogniseQuery(query);
      const empty: SearchResult = { query, kind: what.kind, reports: [], recipients: [], campaign: null, schedule: null, runs: [] };
      if (what.kind === "address") {
        const [reports, recipients] = await Promise.all([
          rows<ReportHit>(ADMIN_QUERIES.reportsByAddress(what.email)),
          rows<RecipientHit>(ADMIN_QUERIES.recipientsByAddress(what.email)),
        ]);
        return { ...empty, reports, recipients };
      }
      if (what.kind !== "id") return empty;
      const [reports, [campaign], [schedule]] = await Promise.all([
        rows<ReportHit>(ADMIN_QUERIES.reportById(what.id)),
        rows<CampaignHit>(ADMIN_QUERIES.campaignById(what.id)),
        rows<ScheduleHit>(ADMIN_QUERIES.scheduleById(what.id)),
      ]);
      const [recipients, runs] = await Promise.all([
        campaign ? rows<RecipientHit>(ADMIN_QUERIES.recipientsByCampaign(what.id)) : [],
        schedule ? rows<RunHit>(ADMIN_QUERIES.runsBySchedule(what.id)) : [],
      ]);
      return { ...empty, reports, recipients, campaign: campaign ?? null, schedule: schedule ?? null, runs };
    },

    /** Failed reports that finished within the window, grouped by their reason, most frequent first. */
    async failures(window: FailureWindow, now = new Date()): Promise<FailureGroup[]> {
      const since = new Date(now.getTime() - FAILURE_WINDOWS[window] * 3600_000);
      const groups = await rows<{ reason: string; count: number; latest: Date; examples: string[] }>(ADMIN_QUERIES.failuresByReason(since));
      const ids = groups.flatMap((g) => g.examples);
      const byId = new Map((ids.length ? await rows<ReportHit>(ADMIN_QUERIES.reportsByIds(ids)) : []).map((r) => [r.id, r]));
      return groups.map((g) => ({ ...g, examples: g.examples.flatMap((id) => byId.get(id) ?? []) }));
    },

    /**
     * In flight with no live job in Redis (what the reconciler re-adds: it may not be running), and generating
     * longer than the p99 of the type's latest sent reports.
     */
    async stuck(now = new Date()): Promise<{ withoutJob: StuckReport[]; slow: StuckReport[]; p99: Record<string, number> }> {
      const [candidates, durations, generating] = await Promise.all([
        rows<ReportHit>(ADMIN_QUERIES.inFlightBefore(new Date(now.getTime() - STUCK_GRACE_MS))),
        rows<{ type: string; samples: number; p99: number }>(ADMIN_QUERIES.durationsByType()),
        rows<ReportHit>(ADMIN_QUERIES.generating()),
      ]);
      const liveness = await jobLiveness(
        redis,
        queue,
        candidates.map((r) => r.id),
      );
      const withoutJob = candidates.filter((_, i) => !liveness[i]!.live).map((r): StuckReport => ({ ...r, why: "no-live-job" }));
      const p99 = Object.fromEntries(durations.filter((d) => d.samples >= MIN_DURATION_SAMPLES).map((d) => [d.type, Math.round(d.p99 * 10) / 10]));
      const slow = generating.flatMap((r): StuckReport[] => {
        const limit = p99[r.type];
        const runningSeconds = r.startedAt ? (now.getTime() - r.startedAt.getTime()) / 1000 : 0;
        return limit !== undefined && runningSeconds > limit ? [{ ...r, why: "slow", p99Seconds: limit, runningSeconds: Math.round(runningSeconds) }] : [];
      });
      return { withoutJob, slow, p99 };
    },

    /** The reconciler's latest re-adds. */
    reconcilerActions: (limit?: number) => rows<AuditRow>(ADMIN_QUERIES.reconcilerActions(limit)),

    /** Admins' actions, newest first; `before` is the previous page's last id. */
    async auditLog(before: string | null = null, limit = 50): Promise<{ items: AuditRow[]; nextBefore: string | null }> {
      const items = await rows<AuditRow>(ADMIN_QUERIES.adminActions(before && /^\d{1,18}$/.test(before) ? BigInt(before) : null, limit + 1));
      const page = items.slice(0, limit);
      return { items: page, nextBefore: items.length > limit ? page.at(-1)!.id : null };
    },
  };
}

export type AdminConsole = ReturnType<typeof adminConsole>;

/** Reports one bulk command may name. */
export const BULK_MAX = 100;

export const bulkRequestSchema = z.strictObject({
  action: z.enum(["retry", "cancel"], { error: "Choose retry or cancel" }),
  ids: z
    .array(z.uuid({ error: "Not a report id" }), { error: "A list of report ids" })
    .min(1, "Choose at least one report")
    .max(BULK_MAX, `At most ${BULK_MAX} reports at once`),
});
export type BulkRequest = z.infer<typeof bulkRequestSchema>;

export type BulkOutcome = { id: string; outcome: "done"; status: ReportStatus } | { id: string; outcome: "refused"; reason: string };

/**
 * Retries or cancels each report in turn through the same commands as one report's buttons, as `actor` (an admin:
 * no in-flight cap, as for any retry an admin makes for someone); each answered done, or refused with the reason.
 */
export async function runBulkCommand(commands: Pick<ReportCommands, "retry" | "cancel">, request: BulkRequest, actor: Actor): Promise<BulkOutcome[]> {
  const outcomes: BulkOutcome[] = [];
  for (const id of new Set(request.ids.map((i) => i.toLowerCase()))) {
    const result = await commands[request.action](id, actor);
    outcomes.push(result.ok ? { id, outcome: "done", status: result.report.status } : { id, outcome: "refused", reason: result.error });
  }
  return outcomes;
}
