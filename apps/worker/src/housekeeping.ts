// Deletes what has outlived its use, at start and hourly: expired sessions, expired sign-in
// tokens, and sign-in email rows once a week old (long enough to answer "did
// my link go out?"; after that an address and a time are just kept data).
// Every worker process runs it; the deletes are idempotent, so overlapping
// runs cost a little work, never correctness.
import type { PrismaClient } from "@backline/db";
import type { Logger } from "pino";

export const SIGN_IN_EMAIL_RETENTION_MS = 7 * 24 * 3600 * 1000;

export async function purgeExpired(db: PrismaClient, now = new Date()) {
  const [sessions, verifications, signInEmails] = await Promise.all([
    db.session.deleteMany({ where: { expiresAt: { lt: now } } }),
    db.verification.deleteMany({ where: { expiresAt: { lt: now } } }),
    db.signInEmail.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - SIGN_IN_EMAIL_RETENTION_MS) } } }),
  ]);
  return { sessions: sessions.count, verifications: verifications.count, signInEmails: signInEmails.count };
}

export function startHousekeeping(options: { db: PrismaClient; log: Logger; intervalMs?: number }) {
  const run = () =>
    purgeExpired(options.db).then(
      (deleted) => {
        if (deleted.sessions + deleted.verifications + deleted.signInEmails > 0) options.log.info({ deleted }, "housekeeping: deleted expired rows");
      },
      (err: Error) => options.log.warn({ err: err.message }, "housekeeping failed; will retry"),
    );
  void run(); // at start too: a worker restarted by every deploy may never see its first hour
  const timer = setInterval(run, options.intervalMs ?? 3600_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
