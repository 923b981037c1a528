// The one module that changes a report's status. Every change is a conditional
// update (only from the statuses allowed below) plus an appended event, in one
// SQL statement — atomic, so two workers racing on the same report cannot both
// win and the history always matches the row, and one round trip, because
// these run several times per report on the worker's hot path.
import { v7 as uuidv7 } from "uuid";
import { Prisma, type PrismaClient, type Report, type ReportEvent, type ReportStatus } from "./generated/prisma/client.ts";
import { localTimeParam } from "./local-time.ts";
import { ALLOWED_TRANSITIONS } from "./report-status.ts";

/** The columns of a report row as Prisma's Report type names them. */
const REPORT_COLUMNS_TEXT = `id::text, type, params, user_id::text as "userId", owner_email as "ownerEmail", status::text as status, progress, stage,
  failure_reason as "failureReason", attempts, file_path as "filePath", file_bytes as "fileBytes", page_count as "pageCount",
  message_id as "messageId", idempotency_key as "idempotencyKey", request_hash as "requestHash", created_at as "createdAt",
  updated_at as "updatedAt", started_at as "startedAt", finished_at as "finishedAt", schedule_id::text as "scheduleId", occurrence, request_id as "requestId"`;
const REPORT_COLUMNS = Prisma.raw(REPORT_COLUMNS_TEXT);

/** A status change or progress milestone as it was written: the row after it, and its event (if any). */
export interface ReportChange {
  report: Report;
  event: ReportEvent | null;
}

export interface NewReport {
  type: string;
  params: Prisma.InputJsonValue;
  /** Who asks: the report is theirs and is emailed to their address. */
  owner: { id: string; email: string };
  idempotencyKey?: string;
  requestHash?: string;
  /** The web request's id (X-Request-Id), kept so every log line about the report can carry it. */
  requestId?: string;
}

/**
 * Writes a queued report and its first event in one statement: this is the hot
 * path of POST /api/reports, and Prisma's nested create would spend five round
 * trips and a transaction on it.
 */
export async function createReport(db: PrismaClient | SqlRunner, input: NewReport): Promise<Report> {
  return (await insertReport(db, input, null))[0]!;
}

/**
 * createReport, unless the owner already has `maxInFlight` reports queued,
 * generating or emailing (then null). Still one statement: its condition calls
 * `reports_in_flight_locked` (a migration), which takes the owner's advisory
 * lock before counting, so concurrent requests count one after another and the
 * cap holds exactly.
 */
export async function createReportWithinCap(db: PrismaClient | SqlRunner, input: NewReport, maxInFlight: number): Promise<Report | null> {
  return (await insertReport(db, input, maxInFlight))[0] ?? null;
}

/**
 * A schedule's run: the report and the schedule_runs row naming it, in one
 * statement, unless that occurrence already has a run (then null). The
 * unique (schedule, occurrence) key makes a second run impossible; the check
 * before it keeps a repeated tick from aborting its transaction on it. Call it
 * inside the scheduler's transaction, which holds the schedule's row lock.
 */
export async function createScheduledReport(
  db: PrismaClient | Prisma.TransactionClient,
  input: NewReport & { scheduleId: string; occurrence: Date; dueAt: Date },
): Promise<Report | null> {
  const occurrence = localTimeParam(input.occurrence);
  const rows = await db.$queryRaw<Report[]>`
    with report as (
      insert into reports (id, type, params, user_id, owner_email, status, stage, schedule_id, occurrence, updated_at)
      select ${uuidv7()}::uuid, ${input.type}, ${JSON.stringify(input.params)}::jsonb, ${input.owner.id}::uuid, ${input.owner.email}, 'queued',
             'Waiting for a worker', ${input.scheduleId}::uuid, ${occurrence}::timestamp, now()
      where not exists (select 1 from schedule_runs where schedule_id = ${input.scheduleId}::uuid and occurrence = ${occurrence}::timestamp)
      returning *
    ), event as (
      insert into report_events (report_id, status, message) select id, 'queued', 'Scheduled run created' from report
    ), run as (
      insert into schedule_runs (schedule_id, occurrence, due_at, report_id) select schedule_id, occurrence, ${input.dueAt}, id from report
    )
    select ${REPORT_COLUMNS} from report`;
  return rows[0] ?? null;
}

/**
 * A pg Pool or Client: runs a named (prepared) statement. The web app's request
 * path passes its plain pg pool here; Prisma's raw-query pipeline around the same
 * SQL costs several times the driver's own work.
 */
export interface SqlRunner {
  query<R extends object>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

const INSERT_REPORT_SQL = `
  with report as (
    insert into reports (id, type, params, user_id, owner_email, status, stage, idempotency_key, request_hash, request_id, updated_at)
    select $1::uuid, $2, $3::jsonb, $4::uuid, $5, 'queued', 'Waiting for a worker', $6, $7, $8, now()
    where $9::int is null or reports_in_flight_locked($4::uuid) < $9::int
    returning *
  ), event as (
    insert into report_events (report_id, status, message) select id, 'queued', 'Request accepted' from report
  )
  select ${REPORT_COLUMNS_TEXT} from report`;

function insertReport(db: PrismaClient | SqlRunner, input: NewReport, maxInFlight: number | null): Promise<Report[]> {
  const values = [
    uuidv7(),
    input.type,
    JSON.stringify(input.params),
    input.owner.id,
    input.owner.email,
    input.idempotencyKey ?? null,
    input.requestHash ?? null,
    input.requestId ?? null,
    maxInFlight,
  ];
  if ("$queryRawUnsafe" in db) return db.$queryRawUnsafe<Report[]>(INSERT_REPORT_SQL, ...values);
  return db.query<Report>({ name: "backline-insert-report", text: INSERT_REPORT_SQL, values }).then((result) => result.rows);
}

/** The user with this address, created if new (reports made outside a web session: tests, tools, scheduled jobs). */
export async function ensureUser(db: PrismaClient, email: string): Promise<{ id: string; email: string }> {
  // One statement, so concurrent calls for a new address agree on one row (Prisma's upsert can race to a unique violation).
  const rows = await db.$queryRaw<{ id: string; email: string }[]>`
    insert into users (id, email, email_verified, updated_at) values (${uuidv7()}::uuid, ${email.toLowerCase()}, true, now())
    on conflict (email) do update set email = excluded.email
    returning id::text, email`;
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
} satisfies ReportPatch;

/** The columns a status change may set besides the status. */
export type ReportPatch = Partial<
  Pick<Report, "progress" | "stage" | "failureReason" | "filePath" | "fileBytes" | "pageCount" | "messageId" | "startedAt" | "finishedAt">
>;

export interface TransitionOptions {
  message: string;
  workerId?: string;
  /** Extra columns to set with the status. */
  data?: ReportPatch;
  /** Count this as a new attempt (a worker starting the report). */
  newAttempt?: boolean;
  /** Only if the owner has fewer reports in flight than this (a retry counts against the same cap as a new request). */
  maxInFlight?: number;
  /**
   * Fencing: only while this is still the report's current attempt (the number its
   * start returned). A worker that lost its job to another keeps running until it
   * notices; with this, every write it makes after being superseded changes nothing.
   */
  attempt?: number;
}

/** `and attempts = N` when an attempt is given. */
const attemptFence = (attempt: number | undefined) => (attempt === undefined ? Prisma.empty : Prisma.sql`and attempts = ${attempt}::int`);

/** `column = value` only for the keys given: one statement shape per call site, values as parameters. */
function setClauses(patch: ReportPatch): Prisma.Sql[] {
  const columns: Record<keyof ReportPatch, string> = {
    progress: "progress",
    stage: "stage",
    failureReason: "failure_reason",
    filePath: "file_path",
    fileBytes: "file_bytes",
    pageCount: "page_count",
    messageId: "message_id",
    startedAt: "started_at",
    finishedAt: "finished_at",
  };
  return (Object.keys(patch) as (keyof ReportPatch)[])
    .filter((key) => patch[key] !== undefined)
    .map((key) => Prisma.sql`${Prisma.raw(columns[key])} = ${patch[key]}`);
}

type Json<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] extends bigint ? string : T[K] };
interface ChangeRow {
  report: Json<Report> | null;
  event: Json<ReportEvent> | null;
}

const toDate = (value: string | null) => (value === null ? null : new Date(value));

/** Both rows come back through JSON (one statement returns both): restore their types. */
function toChange(row: ChangeRow | undefined): ReportChange | null {
  if (!row?.report) return null;
  const r = row.report;
  const report: Report = {
    ...r,
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
    startedAt: toDate(r.startedAt),
    finishedAt: toDate(r.finishedAt),
    // A timestamp without time zone (a nominal local time) comes through JSON without an offset: read it as UTC, as Prisma does.
    occurrence: r.occurrence === null ? null : new Date(`${r.occurrence}Z`),
  };
  const event = row.event ? { ...row.event, id: BigInt(row.event.id), at: new Date(row.event.at) } : null;
  return { report, event };
}

/**
 * Moves a report to `to` if its current status allows it (and the owner is
 * under `maxInFlight`, when given). Returns the updated row and its new event,
 * or null when the report is missing or the move is not allowed.
 */
export async function transitionReport(db: PrismaClient, id: string, to: ReportStatus, options: TransitionOptions): Promise<ReportChange | null> {
  const sets = [
    Prisma.sql`status = ${to}::"ReportStatus"`,
    Prisma.sql`attempts = attempts + ${options.newAttempt ? 1 : 0}`,
    Prisma.sql`updated_at = now()`,
    ...setClauses(options.data ?? {}),
  ];
  const withinCap = options.maxInFlight === undefined ? Prisma.empty : Prisma.sql`and reports_in_flight_locked(user_id) < ${options.maxInFlight}::int`;
  const rows = await db.$queryRaw<ChangeRow[]>`
    with report as (
      update reports set ${Prisma.join(sets)}
      where id = ${id}::uuid and status = any(${[...ALLOWED_TRANSITIONS[to]]}::"ReportStatus"[]) ${attemptFence(options.attempt)} ${withinCap}
      returning ${REPORT_COLUMNS}
    ), event as (
      insert into report_events (report_id, status, progress, message, attempt, worker_id)
      select id::uuid, status::"ReportStatus", progress, ${options.message}, attempts, ${options.workerId ?? null} from report
      returning id::text, report_id::text as "reportId", at, status::text as status, progress, message, attempt, worker_id as "workerId"
    )
    select (select row_to_json(report) from report) as report, (select row_to_json(event) from event) as event`;
  return toChange(rows[0]);
}

/**
 * Records progress while generating (never backwards). Updates the row every
 * call; appends an event only when `milestone` is set, so the history stays
 * readable. Null when the report is not generating any more (or, given
 * `attempt`, when that attempt was superseded).
 */
export async function recordProgress(
  db: PrismaClient,
  id: string,
  progress: { percent: number; stage: string; milestone?: boolean; workerId?: string; attempt?: number },
): Promise<ReportChange | null> {
  const percent = Math.max(0, Math.min(100, Math.round(progress.percent)));
  const rows = await db.$queryRaw<ChangeRow[]>`
    with report as (
      update reports set progress = ${percent}, stage = ${progress.stage}, updated_at = now()
      where id = ${id}::uuid and status = 'generating' and progress <= ${percent} ${attemptFence(progress.attempt)}
      returning ${REPORT_COLUMNS}
    ), event as (
      insert into report_events (report_id, status, progress, message, attempt, worker_id)
      select id::uuid, 'generating', progress, stage, attempts, ${progress.workerId ?? null} from report where ${progress.milestone ?? false}
      returning id::text, report_id::text as "reportId", at, status::text as status, progress, message, attempt, worker_id as "workerId"
    )
    select (select row_to_json(report) from report) as report, (select row_to_json(event) from event) as event`;
  return toChange(rows[0]);
}

/** Notes something in a report's history without changing its status. */
export async function noteReportEvent(db: PrismaClient, id: string, message: string, workerId?: string): Promise<ReportEvent | null> {
  const report = await db.report.findUnique({ where: { id }, select: { status: true, progress: true, attempts: true } });
  if (!report) return null;
  return db.reportEvent.create({ data: { reportId: id, status: report.status, progress: report.progress, attempt: report.attempts, message, workerId } });
}
