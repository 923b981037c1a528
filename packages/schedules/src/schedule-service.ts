// What a person can ask of their schedules — create, list, read, change, pause,
// resume, delete — always as an Actor, with the same rules as reports: someone
// else's schedule is as absent as a missing one (an admin sees all), and every
// field is validated and named when it is wrong.
import { toFieldIssues, type FieldIssue } from "@backline/config";
import { Prisma, formatLocalTime, type PrismaClient, type ReportStatus, type Schedule } from "@backline/db";
import { getReportType, paramsForRun, parseReport, relativeRangesOf, relativeSchema, type Relative } from "@backline/reports";
import type { Actor } from "@backline/report-service";
import cronstrue from "cronstrue";
import { v7 as uuidv7 } from "uuid";
import { z } from "zod";
import { dueAtOf, jitterMs } from "./due-runs.ts";
import { canonicalTimeZone, firstOccurrenceAfter, localTimeOf, parseCron, upcoming } from "./occurrences.ts";
import { setNext } from "./scheduler.ts";
import { checkUnsubscribeSignature, type LinkKeys } from "./unsubscribe-links.ts";

export const MISSED_POLICIES = ["latest", "skip", "all"] as const;

const fields = {
  type: z.string({ error: "Choose a report type" }).max(64),
  params: z.record(z.string(), z.unknown(), { error: "Must be an object" }),
  cron: z.string({ error: 'A cron expression, e.g. "0 8 * * 1"' }).max(120),
  timeZone: z.string({ error: "An IANA time zone, e.g. Europe/Berlin" }).max(64),
  skipIfEmpty: z.boolean({ error: "Must be true or false" }),
  missed: z.enum(MISSED_POLICIES, { error: `Must be one of: ${MISSED_POLICIES.join(", ")}` }),
  relative: relativeSchema.nullable(),
};

export const createScheduleSchema = z.strictObject({
  ...fields,
  params: fields.params.optional(),
  skipIfEmpty: fields.skipIfEmpty.optional(),
  missed: fields.missed.optional(),
  relative: fields.relative.optional(),
});

export const updateScheduleSchema = z.strictObject({
  ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])),
  paused: z.boolean({ error: "Must be true or false" }).optional(),
}) as z.ZodType<Partial<z.infer<z.ZodObject<typeof fields>>> & { paused?: boolean }>;

export type ScheduleResult =
  | { ok: true; schedule: ScheduleView }
  | { ok: false; status: 400 | 404 | 409 | 429; error: string; issues?: FieldIssue[]; retryAfterSeconds?: number };

export type RunStatus = ReportStatus | "missed";

export interface ScheduleRunView {
  /** Nominal local time in the schedule's zone, "YYYY-MM-DDTHH:mm". */
  occurrence: string;
  dueAt: string;
  status: RunStatus;
  reportId?: string;
  failureReason?: string;
}

export interface ScheduleView {
  id: string;
  type: string;
  title: string;
  params: Record<string, unknown>;
  relative: Relative | null;
  cron: string;
  /** The cron in words ("At 08:00, only on Monday"). */
  repeats: string;
  timeZone: string;
  skipIfEmpty: boolean;
  missed: (typeof MISSED_POLICIES)[number];
  paused: boolean;
  pausedReason: string | null;
  /** The instant the next run is due (null while paused, or when it never runs again). */
  nextRunAt: string | null;
  /** The next runs as nominal local times in the schedule's zone, with their instants. */
  upcoming: { occurrence: string; at: string }[];
  runs: ScheduleRunView[];
  createdAt: string;
  updatedAt: string;
}

export interface ScheduleServiceDeps {
  db: PrismaClient;
  maxPerUser: number;
  jitterWindowMs: number;
  linkKeys: LinkKeys;
  now?: () => Date;
}

const notFound = { ok: false, status: 404, error: "Schedule not found" } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RUNS_SHOWN = 50;

/** The fields of a schedule checked together: the report's parameters as a run today would use them, the cron, the zone. */
function validate(s: { type: string; params: Record<string, unknown>; relative: Relative | null; cron: string; timeZone: string }, now: Date) {
  const issues: FieldIssue[] = [];
  const timeZone = canonicalTimeZone(s.timeZone);
  if (!timeZone) issues.push({ path: "timeZone", message: `Unknown time zone "${s.timeZone}"; use an IANA name such as Europe/Berlin` });
  const cron = parseCron(s.cron);
  if (!cron.ok) issues.push({ path: "cron", message: cron.message });
  if (!getReportType(s.type)) {
    const parsed = parseReport(s.type, {});
    if (!parsed.ok) issues.push(...parsed.issues);
  } else {
    const ranges = relativeRangesOf(s.type);
    if (s.relative && !ranges.includes(s.relative.range)) {
      issues.push({
        path: "relative.range",
        message: ranges.length ? `This report takes one of: ${ranges.join(", ")}` : "This report has no dates that can be relative to the run",
      });
    } else {
      const parsed = parseReport(s.type, paramsForRun(s.type, s.params, s.relative, localTimeOf(now, timeZone ?? "UTC")));
      if (!parsed.ok) issues.push(...parsed.issues);
    }
  }
  if (issues.length > 0 || !timeZone || !cron.ok) return { ok: false as const, issues };
  return { ok: true as const, timeZone, cron: cron.cron };
}

export function scheduleService({ db, maxPerUser, jitterWindowMs, linkKeys, now = () => new Date() }: ScheduleServiceDeps) {
  const visibleTo = (actor: Actor) => (actor.admin ? {} : { userId: actor.userId });
  const find = (id: string, actor: Actor) => (UUID.test(id) ? db.schedule.findFirst({ where: { id, ...visibleTo(actor) } }) : Promise.resolve(null));

  async function view(schedule: Schedule, runCount = RUNS_SHOWN): Promise<ScheduleView> {
    const runs = await db.scheduleRun.findMany({
      where: { scheduleId: schedule.id },
      orderBy: { occurrence: "desc" },
      take: runCount,
      include: { report: { select: { status: true, failureReason: true } } },
    });
    const cron = parseCron(schedule.cron);
    return {
      id: schedule.id,
      type: schedule.type,
      title: getReportType(schedule.type)?.title ?? schedule.type,
      params: schedule.params as Record<string, unknown>,
      relative: (schedule.relative as Relative | null) ?? null,
      cron: schedule.cron,
      repeats: describeCron(schedule.cron),
      timeZone: schedule.timeZone,
      skipIfEmpty: schedule.skipIfEmpty,
      missed: schedule.missed,
      paused: schedule.paused,
      pausedReason: schedule.pausedReason,
      nextRunAt: schedule.paused ? null : (schedule.nextRunAt?.toISOString() ?? null),
      upcoming:
        cron.ok && !schedule.paused
          ? upcoming(cron.cron, schedule.timeZone, now(), 3).map((u) => ({ occurrence: formatLocalTime(u.occurrence), at: u.at.toISOString() }))
          : [],
      runs: runs.map((r) => ({
        occurrence: formatLocalTime(r.occurrence),
        dueAt: r.dueAt.toISOString(),
        status: r.missed || !r.report ? "missed" : r.report.status,
        ...(r.reportId ? { reportId: r.reportId } : {}),
        ...(r.report?.failureReason ? { failureReason: r.report.failureReason } : {}),
      })),
      createdAt: schedule.createdAt.toISOString(),
      updatedAt: schedule.updatedAt.toISOString(),
    };
  }

  /** Starts (or restarts) a schedule at its first occurrence after now. */
  async function restart(id: string, cron: ReturnType<typeof parseCron> & { ok: true }, timeZone: string) {
    const next = firstOccurrenceAfter(cron.cron, timeZone, now());
    await setNext(db, id, next, next ? dueAtOf(next, timeZone, jitterMs(id, jitterWindowMs)) : null);
  }

  return {
    async create(body: unknown, actor: Actor): Promise<ScheduleResult> {
      const input = createScheduleSchema.safeParse(body);
      if (!input.success) return { ok: false, status: 400, error: "Invalid schedule", issues: toFieldIssues(input.error.issues) };
      const s = { ...input.data, params: input.data.params ?? {}, relative: input.data.relative ?? null };
      const checked = validate(s, now());
      if (!checked.ok) return { ok: false, status: 400, error: "Invalid schedule", issues: checked.issues };
      const id = uuidv7();
      const created = await db.$transaction(async (tx) => {
        // One user's creates count one after another, so the cap holds exactly.
        await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`schedules:${actor.userId}`}))`;
        if ((await tx.schedule.count({ where: { userId: actor.userId } })) >= maxPerUser) return null;
        return tx.schedule.create({
          data: {
            id,
            userId: actor.userId,
            type: s.type,
            params: s.params as object,
            relative: s.relative ?? undefined,
            cron: s.cron.trim().split(/\s+/).join(" "),
            timeZone: checked.timeZone,
            skipIfEmpty: s.skipIfEmpty ?? false,
            missed: s.missed ?? "latest",
          },
        });
      });
      if (!created) {
        return {
          ok: false,
          status: 429,
          error: `You already have ${maxPerUser} schedules (MAX_SCHEDULES_PER_USER); delete one first`,
          retryAfterSeconds: 3600,
        };
      }
      await restart(id, checked, checked.timeZone);
      return { ok: true, schedule: await view(await db.schedule.findUniqueOrThrow({ where: { id } })) };
    },

    async list(actor: Actor): Promise<ScheduleView[]> {
      const rows = await db.schedule.findMany({ where: visibleTo(actor), orderBy: { id: "desc" }, take: 500 });
      return Promise.all(rows.map((s) => view(s, 5)));
    },

    async get(id: string, actor: Actor): Promise<ScheduleView | null> {
      const schedule = await find(id, actor);
      return schedule ? view(schedule) : null;
    },

    async update(id: string, body: unknown, actor: Actor): Promise<ScheduleResult> {
      const schedule = await find(id, actor);
      if (!schedule) return notFound;
      const input = updateScheduleSchema.safeParse(body);
      if (!input.success) return { ok: false, status: 400, error: "Invalid schedule change", issues: toFieldIssues(input.error.issues) };
      const patch = input.data;
      const merged = {
        type: patch.type ?? schedule.type,
        params: patch.params ?? (schedule.params as Record<string, unknown>),
        relative: patch.relative === undefined ? ((schedule.relative as Relative | null) ?? null) : patch.relative,
        cron: patch.cron ?? schedule.cron,
        timeZone: patch.timeZone ?? schedule.timeZone,
      };
      const checked = validate(merged, now());
      if (!checked.ok) return { ok: false, status: 400, error: "Invalid schedule change", issues: checked.issues };
      const resuming = patch.paused === false && schedule.paused;
      const retimed = patch.cron !== undefined || patch.timeZone !== undefined;
      await db.schedule.update({
        where: { id },
        data: {
          type: merged.type,
          params: merged.params as object,
          relative: merged.relative === null ? Prisma.DbNull : merged.relative,
          cron: merged.cron.trim().split(/\s+/).join(" "),
          timeZone: checked.timeZone,
          ...(patch.skipIfEmpty !== undefined ? { skipIfEmpty: patch.skipIfEmpty } : {}),
          ...(patch.missed !== undefined ? { missed: patch.missed } : {}),
          ...(patch.paused !== undefined ? { paused: patch.paused, pausedReason: null } : {}),
        },
      });
      // A resumed schedule goes on from now: the time it was paused is not "missed".
      if (resuming || retimed) await restart(id, checked, checked.timeZone);
      return { ok: true, schedule: await view(await db.schedule.findUniqueOrThrow({ where: { id } })) };
    },

    async remove(id: string, actor: Actor): Promise<boolean> {
      const schedule = await find(id, actor);
      if (!schedule) return false;
      // Its runs go with it; the reports they made stay (their schedule becomes null).
      await db.schedule.delete({ where: { id } });
      return true;
    },

    /** The email's one-click unsubscribe: pauses the schedule when the link is genuine. */
    async pauseFromLink(id: string, sig: string): Promise<"paused" | "invalid"> {
      if (!UUID.test(id) || !checkUnsubscribeSignature(id, sig, linkKeys)) return "invalid";
      const { count } = await db.schedule.updateMany({ where: { id }, data: { paused: true, pausedReason: "Paused from the unsubscribe link in its email" } });
      return count === 1 ? "paused" : "invalid";
    },

    /** What an unsubscribe page shows: the schedule's title and repetition, when the link is genuine. */
    async describeForLink(id: string, sig: string): Promise<{ title: string; repeats: string; paused: boolean } | null> {
      if (!UUID.test(id) || !checkUnsubscribeSignature(id, sig, linkKeys)) return null;
      const schedule = await db.schedule.findUnique({ where: { id } });
      if (!schedule) return null;
      return { title: getReportType(schedule.type)?.title ?? schedule.type, repeats: describeCron(schedule.cron), paused: schedule.paused };
    },
  };
}

export type ScheduleService = ReturnType<typeof scheduleService>;

/** The cron in words, in 24-hour time (it is read in the schedule's zone). */
export function describeCron(cron: string): string {
  try {
    return cronstrue.toString(cron, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    return cron;
  }
}
