// Deletes what has outlived its use, at start and hourly: expired sessions, expired sign-in
// tokens, sign-in email rows past their retention (sign-in-outbox), PDFs that no report
// names any more, and finished campaigns' PDFs and SMTP answers past CAMPAIGN_RETENTION_DAYS.
// Every worker process runs it; the deletes are idempotent, so overlapping
// runs cost a little work, never correctness.
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { purgeExpiredCampaigns } from "@backline/campaigns";
import type { PrismaClient } from "@backline/db";
import { deleteOldSignInEmails } from "@backline/sign-in-outbox";
import type { Logger } from "pino";

/**
 * An attempt's PDF (`<report id>-a<n>.pdf`, or `….partial` while rendering) that neither its
 * report nor its delivery names is left by a worker killed mid-attempt, or by a retry. A
 * render in progress keeps its partial file's mtime fresh, so an hour is far past any
 * attempt that could still need it.
 */
export const ORPHAN_PDF_AGE_MS = 3600 * 1000;
const ATTEMPT_PDF = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-a\d+\.pdf(\.partial)?$/;

/** Removes old attempt PDFs in `reportsDir` that no report row or delivery names. Returns how many. */
export async function purgeOrphanPdfs(db: PrismaClient, reportsDir: string, now = new Date()): Promise<number> {
  const names = await readdir(reportsDir).catch((err: NodeJS.ErrnoException) => (err.code === "ENOENT" ? [] : Promise.reject(err)));
  const old: { name: string; reportId: string; partial: boolean }[] = [];
  for (const name of names) {
    const match = ATTEMPT_PDF.exec(name);
    if (!match) continue;
    const modified = await stat(path.join(reportsDir, name)).then(
      (s) => s.mtimeMs,
      () => now.getTime(),
    );
    if (now.getTime() - modified > ORPHAN_PDF_AGE_MS) old.push({ name, reportId: match[1]!, partial: Boolean(match[2]) });
  }
  if (old.length === 0) return 0;
  const reportIds = [...new Set(old.map((f) => f.reportId))];
  const [reports, deliveries] = await Promise.all([
    db.report.findMany({ where: { id: { in: reportIds } }, select: { filePath: true } }),
    db.delivery.findMany({ where: { reportId: { in: reportIds } }, select: { filePath: true } }),
  ]);
  const named = new Set([...reports, ...deliveries].map((r) => r.filePath));
  const orphans = old.filter((f) => f.partial || !named.has(f.name));
  await Promise.all(orphans.map((f) => rm(path.join(reportsDir, f.name), { force: true })));
  return orphans.length;
}

export async function purgeExpired(db: PrismaClient, now = new Date()) {
  const [sessions, verifications, signInEmails] = await Promise.all([
    db.session.deleteMany({ where: { expiresAt: { lt: now } } }),
    db.verification.deleteMany({ where: { expiresAt: { lt: now } } }),
    deleteOldSignInEmails(db, now),
  ]);
  return { sessions: sessions.count, verifications: verifications.count, signInEmails };
}

export function startHousekeeping(options: { db: PrismaClient; log: Logger; reportsDir: string; campaignRetentionDays: number; intervalMs?: number }) {
  const run = () =>
    Promise.all([
      purgeExpired(options.db),
      purgeOrphanPdfs(options.db, options.reportsDir),
      purgeExpiredCampaigns(options.db, options.reportsDir, options.campaignRetentionDays),
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
