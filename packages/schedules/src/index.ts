export { formatLocalTime } from "@backline/db";
export { dueAtOf, jitterMs, planDueRuns, type DueOccurrence, type DuePlan, type MissedRunPolicy } from "./due-runs.ts";
export {
  canonicalTimeZone,
  firstOccurrenceAfter,
  instantOf,
  localTimeOf,
  nextOccurrence,
  parseCron,
  upcoming,
  type LocalTime,
} from "./occurrences.ts";
export {
  MISSED_POLICIES,
  createScheduleSchema,
  describeCron,
  scheduleService,
  updateScheduleSchema,
  type RunStatus,
  type ScheduleResult,
  type ScheduleRunView,
  type ScheduleService,
  type ScheduleServiceDeps,
  type ScheduleView,
} from "./schedule-service.ts";
export { runSchedulerTick, type SchedulerSettings, type TickResult } from "./scheduler.ts";
export { checkUnsubscribeSignature, unsubscribePath, unsubscribeUrl, type LinkKeys } from "./unsubscribe-links.ts";
