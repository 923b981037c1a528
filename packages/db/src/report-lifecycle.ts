// The one module that changes a report's status. Every change is a conditional
// update (only from the statuses allowed below) plus an appended event, in one
// transaction — so two workers racing on the same report cannot both win, and
// the history always matches the row.
import { v7 as uuidv7 } from "uuid";
import type { Prisma, PrismaClient, Report, ReportEvent, ReportStatus } from "./generated/prisma/client.ts";

/** A status change or progress milestone as it was written: the row after it, and its event (if any). */
export interface ReportChange {
  report: Report;
  event: ReportEvent | null;
}

/** to ← allowed from. */
export const ALLOWED_TRANSITIONS: Record<ReportStatus, readonly ReportStatus[]> = {
  queued: ["generating", "emailing", "failed", "cancelled"], // back in line: a retry
  // generating → generating: a stalled job picked up again; emailing → generating: its worker died mid-send.
  generating: ["queued", "generating", "emailing"],
  emailing: ["generating", "emailing"],
  sent: ["emailing"],
  failed: ["queued", "generating", "emailing"],
  cancelled: ["queued", "generating"],
};

export const FINAL_STATUSES: readonly ReportStatus[] = ["sent", "failed", "cancelled"];

export function canTransition(from: ReportStatus, to: ReportStatus): boolean {
  return ALLOWED_TRANSITIONS[to].includes(from);
}

export interface NewReport {
  type: string;
  params: Prisma.InputJsonValue;
  ownerEmail: string;
  idempotencyKey?: string;
  requestHash?: string;
}

/**
 * Writes a queued report and its first event — one statement, one round trip,
 * atomic on its own: this is the hot path of POST /api/reports, and Prisma's
 * nested create would spend five round trips and a transaction on it.
 */
export async function createReport(db: PrismaClient, input: NewReport): Promise<Report> {
  const rows = await db.$queryRaw<Report[]>`
    with report as (
      insert into reports (id, type, params, owner_email, status, stage, idempotency_key, request_hash, updated_at)
      values (${uuidv7()}::uuid, ${input.type}, ${JSON.stringify(input.params)}::jsonb, ${input.ownerEmail}, 'queued', 'Waiting for a worker',
              ${input.idempotencyKey ?? null}, ${input.requestHash ?? null}, now())
      returning *
    ), event as (
      insert into report_events (report_id, status, message) select id, 'queued', 'Request accepted' from report
    )
    select id::text, type, params, owner_email as "ownerEmail", status::text as status, progress, stage, failure_reason as "failureReason",
           attempts, file_path as "filePath", file_bytes as "fileBytes", page_count as "pageCount", message_id as "messageId",
           idempotency_key as "idempotencyKey", request_hash as "requestHash", created_at as "createdAt", updated_at as "updatedAt",
           started_at as "startedAt", finished_at as "finishedAt"
    from report`;
  return rows[0]!;
}

/** What a retry clears, so the row reads like a fresh request (attempts and history stay). */
export const RETRY_RESET = {
  progress: 0,
  stage: "Waiting for a worker",
  failureReason: null,
  filePath: null,
  fileBytes: null,
  pageCount: null,
  messageId: null,
  startedAt: null,
  finishedAt: null,
} satisfies Prisma.ReportUpdateManyMutationInput;

export interface TransitionOptions {
  message: string;
  workerId?: string;
  /** Extra columns to set with the status. */
  data?: Prisma.ReportUpdateManyMutationInput;
  /** Count this as a new attempt (a worker starting the report). */
  newAttempt?: boolean;
}

/**
 * Moves a report to `to` if its current status allows it. Returns the updated
 * row and its new event, or null when the report is missing or in a status
 * that forbids the move.
 */
export async function transitionReport(db: PrismaClient, id: string, to: ReportStatus, options: TransitionOptions): Promise<ReportChange | null> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.report.updateMany({
      where: { id, status: { in: [...ALLOWED_TRANSITIONS[to]] } },
      data: {
        status: to,
        ...(options.newAttempt ? { attempts: { increment: 1 } } : {}),
        ...options.data,
      },
    });
    if (count === 0) return null;
    const report = await tx.report.findUniqueOrThrow({ where: { id } });
    const event = await tx.reportEvent.create({
      data: { reportId: id, status: to, progress: report.progress, message: options.message, attempt: report.attempts, workerId: options.workerId },
    });
    return { report, event };
  });
}

/**
 * Records progress while generating (never backwards). Updates the row every
 * call; appends an event only when `milestone` is set, so the history stays
 * readable. Null when the report is not generating any more.
 */
export async function recordProgress(
  db: PrismaClient,
  id: string,
  progress: { percent: number; stage: string; milestone?: boolean; workerId?: string },
): Promise<ReportChange | null> {
  const percent = Math.max(0, Math.min(100, Math.round(progress.percent)));
  return db.$transaction(async (tx) => {
    const { count } = await tx.report.updateMany({
      where: { id, status: "generating", progress: { lte: percent } },
      data: { progress: percent, stage: progress.stage },
    });
    if (count === 0) return null;
    const report = await tx.report.findUniqueOrThrow({ where: { id } });
    const event = progress.milestone
      ? await tx.reportEvent.create({
          data: { reportId: id, status: "generating", progress: percent, message: progress.stage, attempt: report.attempts, workerId: progress.workerId },
        })
      : null;
    return { report, event };
  });
}

/** Notes something in a report's history without changing its status. */
export async function noteReportEvent(db: PrismaClient, id: string, message: string, workerId?: string): Promise<ReportEvent | null> {
  const report = await db.report.findUnique({ where: { id }, select: { status: true, progress: true, attempts: true } });
  if (!report) return null;
  return db.reportEvent.create({ data: { reportId: id, status: report.status, progress: report.progress, attempt: report.attempts, message, workerId } });
}
