// A finished campaign keeps its PDFs and each recipient's SMTP answer for
// CAMPAIGN_RETENTION_DAYS (for questions like "what did customer 42 get?"), then
// housekeeping deletes them. The ledger itself stays: who was sent, failed or
// skipped, when, and under which Message-ID — that is what keeps a later retry
// or resend from mailing anyone twice, and it is small (measured in bench/).
// The PDFs go from wherever they are kept (STORAGE_URL: a folder or a bucket).
import type { PrismaClient } from "@backline/db";
import type { Storage } from "@backline/storage";

/** Where a campaign's PDFs live in storage (the sender writes `<recipient id>-c<claim>.pdf` there). */
export function campaignPdfFolder(campaignId: string): string {
  return `campaigns/${campaignId}`;
}

/**
 * Purges campaigns that completed or were cancelled more than `retentionDays` ago: their
 * PDFs (every object under the campaign's folder or key prefix), and the recipients' file
 * paths and SMTP answers. Each campaign is marked purged in the statement that clears its
 * rows, so a crash between the two steps only leaves PDFs that the next run deletes again
 * (deleting what is gone is a no-op).
 * Returns the campaigns purged.
 */
export async function purgeExpiredCampaigns(db: PrismaClient, storage: Storage, retentionDays: number, now = new Date()): Promise<string[]> {
  const before = new Date(now.getTime() - retentionDays * 86_400_000);
  const due = await db.campaign.findMany({
    where: { status: { in: ["completed", "cancelled"] }, finishedAt: { lt: before }, purgedAt: null },
    select: { id: true },
    orderBy: { finishedAt: "asc" },
    take: 20, // a few per run: each may be 100,000 rows and files; the next hourly run takes the rest
  });
  const purged: string[] = [];
  for (const { id } of due) {
    await storage.deletePrefix(campaignPdfFolder(id));
    const [, marked] = await db.$transaction([
      db.campaignRecipient.updateMany({
        where: { campaignId: id, OR: [{ filePath: { not: null } }, { smtpResponse: { not: null } }] },
        data: { filePath: null, fileBytes: null, smtpResponse: null },
      }),
      db.campaign.updateMany({ where: { id, purgedAt: null }, data: { purgedAt: now } }),
    ]);
    if (marked.count === 1) purged.push(id);
  }
  return purged;
}
