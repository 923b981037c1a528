// What a person can ask of Backline — request, cancel, retry — with the same
// rules for the web app and the tests. Postgres first, Redis second: a report
// exists once its row does; jobs and notifications follow.
import { createHash } from "node:crypto";
import { toFieldIssues, type FieldIssue } from "@backline/config";
import {
  canCancel,
  canRetry,
  canTransition,
  createReport,
  createReportWithinCap,
  noteReportEvent,
  RETRY_RESET,
  transitionReport,
  type Prisma,
  type PrismaClient,
  type Report,
  type SqlRunner,
} from "@backline/db";
import { enqueue } from "@backline/queue";
import { parseReport } from "@backline/reports";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Actor } from "./actor.ts";
import { broadcastCancel } from "./cancellation.ts";
import { findVisibleReport } from "./report-reads.ts";
import { toReportView, type ReportView } from "./report-view.ts";
import { publishReportChange } from "./updates.ts";

export interface ReportServiceDeps {
  db: PrismaClient;
  /**
   * Plain SQL (a pg pool) for the statement on the path of every request — a new report — where Prisma's
   * raw-query pipeline costs more than the statement; db is used when absent.
   */
  sql?: SqlRunner;
  /** The producer side of the reports queue. */
  queue: Queue;
  /** A fail-fast connection for publishing updates and cancel requests. */
  redis: Redis;
  prefix: string;
}

/** The report goes to the signed-in person's address, so the body names no recipient (an `email` field is an unknown field). */
export const reportRequestSchema = z.strictObject({
  type: z.string({ error: "Choose a report type" }).max(64),
  params: z.record(z.string(), z.unknown(), { error: "Must be an object" }).optional(),
});

export type CommandResult =
  | { ok: true; report: ReportView /** an Idempotency-Key replay: this report already existed */; replayed?: boolean }
  | { ok: false; status: 400 | 404 | 409 | 422 | 429 | 503; error: string; issues?: FieldIssue[]; retryAfterSeconds?: number };

/** Printable ASCII, like Stripe's keys; a UUID per submission is what the form sends. */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, "Idempotency-Key must be 1–255 printable ASCII characters");

/** Same request ⇔ same hash, whatever the key order of the JSON. */
export function requestHash(body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash("sha256")
    .update(JSON.stringify(canonical(body)))
    .digest("hex");
}

/** P2002 from Prisma's own queries; raw queries report the driver's UniqueConstraintViolation; plain pg, SQLSTATE 23505. */
const isUniqueViolation = (err: unknown) => {
  const e = err as { code?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } };
  return e.code === "P2002" || e.code === "23505" || e.meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation";
};

const notFound = { ok: false, status: 404, error: "Report not found" } as const;

export function reportCommands({ db, sql, queue, redis, prefix }: ReportServiceDeps) {
  /**
   * Adds the report's job. When Redis is down the report stays Queued: the
   * row is the promise, and the workers' reconciler enqueues it once Redis is
   * back. The request still gets its 202.
   */
  async function enqueueOrDefer(report: Report): Promise<CommandResult> {
    try {
      await enqueue(queue, "generate-report", { reportId: report.id }, { jobId: report.id });
    } catch (err) {
      await noteReportEvent(db, report.id, `Waiting for the job queue (${(err as Error).message}); it will be queued automatically`).catch(() => null);
    }
    return { ok: true, report: toReportView(report) };
  }

  /** The report an earlier request of this user's with this key made, if the request is the same. */
  async function replay(userId: string, key: string, hash: string): Promise<CommandResult | null> {
    const existing = await db.report.findUnique({ where: { userId_idempotencyKey: { userId, idempotencyKey: key } } });
    if (!existing) return null;
    if (existing.requestHash !== hash) {
      return {
        ok: false,
        status: 422,
        error: "This Idempotency-Key was already used with a different request",
        issues: [{ path: "Idempotency-Key", message: "Reused with a different body" }],
      };
    }
    return { ok: true, report: toReportView(existing), replayed: true };
  }

  return {
    /**
     * Validates a request, writes the row, enqueues its job. With an
     * idempotency key, the same key and body give the same report (one row,
     * one job, one email) however often and however concurrently they come.
     */
    async request(body: unknown, actor: Actor, options: { idempotencyKey?: string; maxInFlight?: number; requestId?: string } = {}): Promise<CommandResult> {
      const key = options.idempotencyKey;
      if (key !== undefined && !idempotencyKeySchema.safeParse(key).success) {
        return {
          ok: false,
          status: 400,
          error: "Invalid Idempotency-Key header",
          issues: [{ path: "Idempotency-Key", message: "Must be 1–255 printable ASCII characters" }],
        };
      }
      const request = reportRequestSchema.safeParse(body);
      if (!request.success) return { ok: false, status: 400, error: "Invalid report request", issues: toFieldIssues(request.error.issues) };
      const parsed = parseReport(request.data.type, request.data.params);
      if (!parsed.ok) return { ok: false, status: 400, error: parsed.error, issues: parsed.issues };
      // Only a keyed request needs its hash (to tell a replay from a reuse); hashed once valid, so it is small and flat.
      const hash = key ? requestHash(body) : undefined;
      if (key && hash) {
        const earlier = await replay(actor.userId, key, hash);
        if (earlier) return earlier;
      }
      let report: Report | null;
      try {
        const input = {
          type: parsed.report.type.id,
          params: parsed.report.params as Prisma.InputJsonValue,
          owner: { id: actor.userId, email: actor.email },
          ...(key && hash ? { idempotencyKey: key, requestHash: hash } : {}),
          ...(options.requestId ? { requestId: options.requestId } : {}),
        };
        const runner = sql ?? db;
        report = options.maxInFlight === undefined ? await createReport(runner, input) : await createReportWithinCap(runner, input, options.maxInFlight);
      } catch (err) {
        // A concurrent request with the same key won the insert: answer as it did.
        if (key && hash && isUniqueViolation(err)) return (await replay(actor.userId, key, hash))!;
        throw err;
      }
      if (!report) {
        // A concurrent duplicate may have taken the last slot: then this is its replay, not a refusal.
        const earlier = key && hash ? await replay(actor.userId, key, hash) : null;
        return earlier ?? inFlightCapReached(options.maxInFlight!);
      }
      return enqueueOrDefer(report);
    },

    /** Queued: its job is removed. Generating: the worker holding it stops at the next page. */
    async cancel(id: string, actor: Actor): Promise<CommandResult> {
      const report = await findVisibleReport(db, id, actor);
      if (!report) return notFound;
      if (!canCancel(report.status)) {
        return { ok: false, status: 409, error: `A ${report.status} report can't be cancelled; only queued or generating ones can.` };
      }
      const change = await transitionReport(db, id, "cancelled", {
        message: "Cancelled on request",
        data: { stage: "Cancelled", finishedAt: new Date() },
      });
      if (!change) return { ok: false, status: 409, error: "The report changed status meanwhile; reload and try again." };
      // An active job is locked by its worker and stays; the broadcast reaches it.
      await queue.remove(id).catch(() => 0);
      await broadcastCancel(redis, prefix, id).catch(() => {});
      await publishReportChange(redis, prefix, change);
      return { ok: true, report: toReportView(change.report) };
    },

    /** Failed or Cancelled → Queued again: same id, history kept; the next attempt counts up. */
    async retry(id: string, actor: Actor, options: { maxInFlight?: number } = {}): Promise<CommandResult> {
      const report = await findVisibleReport(db, id, actor);
      if (!report) return notFound;
      if (!canRetry(report.status)) {
        return { ok: false, status: 409, error: `A ${report.status} report can't be retried; only failed or cancelled ones can.` };
      }
      // BullMQ keeps finished jobs for a while, and a job id can't be added twice.
      const old = await queue.getJob(id);
      if (old && (await old.isActive())) return { ok: false, status: 409, error: "The previous attempt is still stopping; try again in a moment." };
      await old?.remove().catch(() => {});
      const change = await transitionReport(db, id, "queued", {
        message: `Retry requested (attempt ${report.attempts + 1} next)`,
        data: RETRY_RESET,
        maxInFlight: options.maxInFlight,
      });
      if (!change && options.maxInFlight !== undefined) {
        // Refused by the cap, unless someone else moved the report meanwhile.
        const now = await db.report.findUnique({ where: { id }, select: { status: true } });
        if (now?.status === report.status) return inFlightCapReached(options.maxInFlight);
      }
      if (!change || !canTransition(change.report.status, "generating")) {
        return { ok: false, status: 409, error: "The report changed status meanwhile; reload and try again." };
      }
      await publishReportChange(redis, prefix, change);
      return enqueueOrDefer(change.report);
    },
  };
}

export type ReportCommands = ReturnType<typeof reportCommands>;

function inFlightCapReached(maxInFlight: number): CommandResult {
  return { ok: false, status: 429, error: `You already have ${maxInFlight} reports in progress; wait for one to finish`, retryAfterSeconds: 30 };
}
