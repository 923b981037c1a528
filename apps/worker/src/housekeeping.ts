// Deletes what has outlived its use, at start and hourly: expired sessions, expired sign-in
// tokens, sign-in email rows past their retention (sign-in-outbox), PDFs that no report
// names any more, writes that never completed, and finished campaigns' PDFs and SMTP
// answers past CAMPAIGN_RETENTION_DAYS — in whichever storage STORAGE_URL names.
// Every worker process runs it; the deletes are idempotent, so overlapping
// runs cost a little work, never correctness.
import { purgeExpiredCampaigns } from "@backline/campaigns";
import type { PrismaClient } from "@backline/db";
import { deleteOldSignInEmails } from "@backline/sign-in-outbox";
import type { Storage } from "@backline/storage";
import type { Logger } from "pino";

/**
 * An attempt's PDF (`<report id>-a<n>.pdf`) that neither its report nor its delivery names
 * is left by a worker killed mid-attempt, or by a retry. An incomplete one (a `.partial`
 * file, an S3 multipart upload never completed) is invisible to readers; a render in
 * progress keeps its partial file's mtime fresh, and an hour is far past any attempt that
 * could still need either.
 */
export const ORPHAN_PDF_AGE_MS = 3600 * 1000;
const ATTEMPT_PDF = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-a\d+\.pdf$/;

/** Removes old attempt PDFs that no report row or delivery names, and old incomplete writes. Returns how many. */
export async function purgeOrphanPdfs(db: PrismaClient, storage: Storage, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - ORPHAN_PDF_AGE_MS);
  const incomplete = await storage.purgeIncomplete(before);
  const old: { key: string; reportId: string }[] = [];
  for await (const object of storage.list()) {
    const match = ATTEMPT_PDF.exec(object.key);
    if (match && object.modified < before) old.push({ key: object.key, reportId: match[1]! });
  }
  if (old.length === 0) return incomplete;
  const reportIds = [...new Set(old.map((f) => f.reportId))];
  const [reports, deliveries] = await Promise.all([
    db.report.findMany({ where: { id: { in: reportIds } }, select: { filePath: true } }),
    db.delivery.findMany({ where: { reportId: { in: reportIds } }, select: { filePath: true } }),
  ]);
  const named = new Set([...reports, ...deliveries].map((r) => r.filePath));
  const orphans = old.filter((f) => !named.has(f.key));
  for (let i = 0; i < orphans.length; i += 16) await Promise.all(orphans.slice(i, i + 16).map((f) => storage.delete(f.key)));
  return incomplete + orphans.length;
}

export async function purgeExpired(db: PrismaClient, now = new Date()) {
  const [sessions, verifications, signInEmails] = await Promise.all([
    db.session.deleteMany({ where: { expiresAt: { lt: now } } }),
    db.verification.deleteMany({ where: { expiresAt: { lt: now } } }),
    deleteOldSignInEmails(db, now),
  ]);
  return { sessions: sessions.count, verifications: verifications.count, signInEmails };
}

export function startHousekeeping(options: { db: PrismaClient; log: Logger; storage: Storage; campaignRetentionDays: number; intervalMs?: number }) {
  const run = () =>
    Promise.all([
      purgeExpired(options.db),
      purgeOrphanPdfs(options.db, options.storage),
      purgeExpiredCampaigns(options.db, options.storage, options.campaignRetentionDays),
    ]).then(
      ([deleted, orphanPdfs, campaigns]) => {
        if (deleted.sessions + deleted.verifications + deleted.signInEmails + orphanPdfs + campaigns.length > 0) {
          options.log.info({ deleted: { ...deleted, orphanPdfs }, campaignsPurged: campaigns }, "housekeeping: deleted what outlived its use");
        }
      },
      (err: Error) => options.log.warn({ err: err.message }, "housekeeping failed; will retry"),
    );
  void run(); // at start too: a worker restarted by every deploy may never see its first hour
  const timer = setInterval(run, options.intervalMs ?? 3600_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
