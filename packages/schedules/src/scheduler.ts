// The scheduler tick, run by every worker every few seconds. Postgres decides:
// due schedules are claimed with FOR UPDATE SKIP LOCKED (any number of workers
// tick at once; each schedule is handled by one of them), and each occurrence
// becomes a schedule_runs row, unique per (schedule, nominal local time), in
// the same transaction as its report. A worker killed mid-tick rolls back and
// the next tick does the work; Redis only carries the jobs, added after the
// commit — if that fails (Redis down, or flushed later), the reconciler adds
// them from the rows, as for any report.
import { createScheduledReport, localTimeParam, type PrismaClient, type Prisma } from "@backline/db";
import { enqueue, PRIORITY } from "@backline/queue";
import { paramsForRun, parseReport, relativeSchema } from "@backline/reports";
import type { Queue } from "bullmq";
import { issuesLine } from "@backline/config";
import { dueAtOf, jitterMs, planDueRuns, type MissedRunPolicy } from "./due-runs.ts";
import { parseCron, type LocalTime } from "./occurrences.ts";

export interface SchedulerSettings {
  jitterWindowMs: number;
  lateAfterMs: number;
  catchUpMax: number;
  pauseAfterFailures: number;
  /** Schedules claimed per transaction. */
  batch?: number;
}

export interface TickResult {
  /** Schedules handled. */
  schedules: number;
  /** Reports created (one per run). */
  runs: number;
  missed: number;
  /** Schedules that paused themselves, with why. */
  paused: { scheduleId: string; reason: string }[];
  /** Report ids whose job could not be added (the reconciler will). */
  notEnqueued: string[];
}

interface DueSchedule {
  id: string;
  userId: string;
  type: string;
  params: Prisma.JsonValue;
  relative: Prisma.JsonValue;
  cron: string;
  timeZone: string;
  missed: MissedRunPolicy;
  nextOccurrence: Date;
  email: string;
  removedAt: Date | null;
}

/** Handles every schedule due by `now`, a batch per transaction, until none is left. */
export async function runSchedulerTick(db: PrismaClient, queue: Queue, settings: SchedulerSettings, now = new Date()): Promise<TickResult> {
  const total: TickResult = { schedules: 0, runs: 0, missed: 0, paused: [], notEnqueued: [] };
  const batch = settings.batch ?? 50;
  for (;;) {
    const { handled, reportIds, missed, paused } = await db.$transaction(async (tx) => {
      // Nominal local times come back through their text form: a Date would have been converted through the session's zone.
      const due = await tx.$queryRaw<(Omit<DueSchedule, "nextOccurrence"> & { nextOccurrence: string })[]>`
        select s.id::text, s.user_id::text as "userId", s.type, s.params, s.relative, s.cron, s.time_zone as "timeZone", s.missed::text as missed,
               to_char(s.next_occurrence, 'YYYY-MM-DD"T"HH24:MI:SS') as "nextOccurrence", u.email, u.removed_at as "removedAt"
        from schedules s join users u on u.id = s.user_id
        where s.paused = false and s.next_run_at <= ${now}
        order by s.next_run_at
        limit ${batch}
        for update of s skip locked`;
      const out = { handled: due.length, reportIds: [] as string[], missed: 0, paused: [] as { scheduleId: string; reason: string }[] };
      for (const row of due) {
        const schedule = { ...row, nextOccurrence: new Date(`${row.nextOccurrence}Z`) };
        const result = await handleDue(tx, schedule, settings, now);
        out.reportIds.push(...result.reportIds);
        out.missed += result.missed;
        if (result.paused) out.paused.push({ scheduleId: schedule.id, reason: result.paused });
      }
      return out;
    });
    total.schedules += handled;
    total.runs += reportIds.length;
    total.missed += missed;
    total.paused.push(...paused);
    for (const reportId of reportIds) {
      try {
        await enqueue(queue, "generate-report", { reportId }, { jobId: reportId, priority: PRIORITY.scheduled });
      } catch {
        total.notEnqueued.push(reportId);
      }
    }
    if (handled < batch) return total;
  }
}

async function handleDue(
  tx: Prisma.TransactionClient,
  schedule: DueSchedule,
  settings: SchedulerSettings,
  now: Date,
): Promise<{ reportIds: string[]; missed: number; paused?: string }> {
  const pause = async (reason: string) => {
    await tx.schedule.update({ where: { id: schedule.id }, data: { paused: true, pausedReason: reason } });
    return { reportIds: [], missed: 0, paused: reason };
  };
  if (schedule.removedAt) return pause("Its owner's account was removed.");
  const cron = parseCron(schedule.cron);
  if (!cron.ok) return pause(`Its repetition is no longer valid: ${cron.message}`);
  const failing = await failedInARow(tx, schedule.id, settings.pauseAfterFailures);
  if (failing) return pause(`Paused after ${settings.pauseAfterFailures} failed runs in a row (the last: ${failing}).`);

  const jitter = jitterMs(schedule.id, settings.jitterWindowMs);
  const plan = planDueRuns({
    cron: cron.cron,
    timeZone: schedule.timeZone,
    first: schedule.nextOccurrence,
    jitter,
    now,
    policy: schedule.missed,
    lateAfterMs: settings.lateAfterMs,
    catchUpMax: settings.catchUpMax,
  });

  const reportIds: string[] = [];
  for (const run of plan.run) {
    const params = runParams(schedule, run.occurrence);
    if (!params.ok) return pause(params.reason);
    const report = await createScheduledReport(tx, {
      type: schedule.type,
      params: params.params,
      owner: { id: schedule.userId, email: schedule.email },
      scheduleId: schedule.id,
      occurrence: run.occurrence,
      dueAt: run.dueAt,
    });
    if (report) reportIds.push(report.id);
  }
  for (const missed of plan.missed) {
    await tx.$executeRaw`
      insert into schedule_runs (schedule_id, occurrence, due_at, missed)
      values (${schedule.id}::uuid, ${localTimeParam(missed.occurrence)}::timestamp, ${missed.dueAt}, true)
      on conflict (schedule_id, occurrence) do nothing`;
  }
  await setNext(tx, schedule.id, plan.next, plan.next ? dueAtOf(plan.next, schedule.timeZone, jitter) : null);
  return { reportIds, missed: plan.missed.length + plan.uncounted };
}

/** The run's parameters: relative dates resolved on the occurrence's local date, then parsed as any request's are. */
function runParams(schedule: DueSchedule, occurrence: LocalTime): { ok: true; params: Prisma.InputJsonValue } | { ok: false; reason: string } {
  const relative = schedule.relative === null ? null : relativeSchema.safeParse(schedule.relative);
  if (relative && !relative.success) return { ok: false, reason: "Its relative dates are no longer valid." };
  const params = paramsForRun(schedule.type, schedule.params as Record<string, unknown>, relative?.data ?? null, occurrence);
  const parsed = parseReport(schedule.type, params);
  if (!parsed.ok) {
    return parsed.issues.some((i) => i.path === "type")
      ? { ok: false, reason: `Its report type "${schedule.type}" no longer exists.` }
      : { ok: false, reason: `Its parameters are no longer valid: ${issuesLine(parsed.issues)}` };
  }
  return { ok: true, params: parsed.report.params as Prisma.InputJsonValue };
}

/** The failure reason of the last run when the last `count` runs (that ended) all failed; else null. */
async function failedInARow(tx: Prisma.TransactionClient, scheduleId: string, count: number): Promise<string | null> {
  const last = await tx.$queryRaw<{ status: string; failureReason: string | null }[]>`
    select r.status::text as status, r.failure_reason as "failureReason"
    from schedule_runs sr join reports r on r.id = sr.report_id
    where sr.schedule_id = ${scheduleId}::uuid and not sr.missed
    order by sr.occurrence desc
    limit ${count}`;
  return last.length === count && last.every((r) => r.status === "failed") ? (last[0]!.failureReason ?? "no reason recorded") : null;
}

/** Writes where a schedule goes on from (its next occurrence and when that is due). */
export async function setNext(db: PrismaClient | Prisma.TransactionClient, id: string, next: LocalTime | null, dueAt: Date | null): Promise<void> {
  const local = next ? localTimeParam(next) : null;
  await db.$executeRaw`update schedules set next_occurrence = ${local}::timestamp, next_run_at = ${dueAt}, updated_at = now() where id = ${id}::uuid`;
}
