// The schedule service as this web process uses it (packages/schedules): every
// read and change of schedules from pages and routes goes through it.
import "server-only";
import { scheduleService as createScheduleService, type ScheduleService } from "@backline/schedules";
import { db } from "./db";
import { downloadLinkKeys, webEnv } from "./env";

const globalForSchedules = globalThis as unknown as { backlineSchedules?: ScheduleService };

export function scheduleService(): ScheduleService {
  const env = webEnv();
  return (globalForSchedules.backlineSchedules ??= createScheduleService({
    db: db(),
    maxPerUser: env.MAX_SCHEDULES_PER_USER,
    jitterWindowMs: env.SCHEDULE_JITTER_SECONDS * 1000,
    linkKeys: downloadLinkKeys(),
  }));
}
