// The moves the workers make on campaigns: start those whose time has come,
// finish those with no recipient left to send, pause one whose sends keep
// failing. Each is a conditional update, so many workers doing it at once agree.
import type { Campaign, PrismaClient } from "@backline/db";
import { RECIPIENT_OPEN } from "./campaign-status.ts";

/** Scheduled campaigns whose start time has come are running now. */
export async function startDueCampaigns(db: PrismaClient, now = new Date()): Promise<number> {
  const { count } = await db.campaign.updateMany({ where: { status: "scheduled", startAt: { lte: now } }, data: { status: "running", startedAt: now } });
  return count;
}

export function runningCampaigns(db: PrismaClient): Promise<Pick<Campaign, "id" | "type" | "params" | "ratePerSecond">[]> {
  return db.campaign.findMany({ where: { status: "running" }, select: { id: true, type: true, params: true, ratePerSecond: true }, orderBy: { id: "asc" } });
}

/** Completed once no recipient is owed an outcome; true when this call completed it. */
export async function completeIfDone(db: PrismaClient, id: string, now = new Date()): Promise<boolean> {
  const changed = await db.$executeRaw`
    update campaigns set status = 'completed', finished_at = ${now}, updated_at = now()
    where id = ${id}::uuid and status = 'running'
      and not exists (select 1 from campaign_recipients where campaign_id = ${id}::uuid and status = any(${[...RECIPIENT_OPEN]}::"RecipientStatus"[]))`;
  return changed === 1;
}

/** A running campaign pauses itself and says why (the failure breaker). */
export async function pauseCampaign(db: PrismaClient, id: string, reason: string): Promise<boolean> {
  const { count } = await db.campaign.updateMany({ where: { id, status: "running" }, data: { status: "paused", pausedReason: reason } });
  return count === 1;
}

/** The statuses of these campaigns now (the senders re-read them every second, to stop within one of a pause or cancel). */
export async function campaignStatuses(db: PrismaClient, ids: string[]): Promise<Map<string, Campaign["status"]>> {
  const rows = await db.campaign.findMany({ where: { id: { in: ids } }, select: { id: true, status: true } });
  return new Map(rows.map((r) => [r.id, r.status]));
}
