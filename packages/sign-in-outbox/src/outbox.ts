// The sign-in email outbox: every way a `sign_in_emails` row is written, read
// and removed. The web app queues a link (a sealed row, then a job holding only
// the row's id); a worker takes it, emails it and marks it sent; the reconciler
// finds rows whose job Redis lost; removing a user withdraws theirs; housekeeping
// deletes old rows. A row, like a report's, is the promise: Redis only carries it.
import type { Prisma, PrismaClient } from "@backline/db";
import { enqueue, signInEmailJobOptions } from "@backline/queue";
import type { Queue } from "bullmq";
import { openSignInLink, sealSignInLink } from "./sealed-links.ts";

/** Rows are kept a week after they are written (long enough to answer "did my link go out?"), then deleted. */
export const SIGN_IN_EMAIL_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * Writes the sealed link and adds its job. With Redis down the row stays and
 * the reconciler adds the job once Redis is back: `queued` says which happened.
 */
export async function queueSignInEmail(
  db: PrismaClient,
  queue: Queue,
  input: { email: string; url: string; expiresAt: Date; secret: string },
): Promise<{ id: string; queued: true } | { id: string; queued: false; error: Error }> {
  const sealedUrl = sealSignInLink(input.url, input.email, input.secret);
  const row = await db.signInEmail.create({ data: { email: input.email, sealedUrl, expiresAt: input.expiresAt }, select: { id: true } });
  try {
    await addSignInEmailJob(queue, row.id);
    return { id: row.id, queued: true };
  } catch (err) {
    return { id: row.id, queued: false, error: err as Error };
  }
}

/** The job of one waiting row (the web app's add, and the reconciler's re-add, use the same options). */
export const addSignInEmailJob = (queue: Queue, id: string) => enqueue(queue, "send-sign-in-link", { signInEmailId: id }, signInEmailJobOptions(id));

export type TakenSignInEmail =
  | { send: { email: string; url: string; expiresAt: Date } }
  /** Sent already, expired while waiting (dropped, not sent late), or sealed under another AUTH_SECRET (dropped). */
  | { skipped: "already sent" | "expired" | "unreadable" };

/** What a worker should send for a row, opening its seal; a link it must not send is dropped from the row. */
export async function takeSignInEmail(db: PrismaClient, id: string, secret: string, now = new Date()): Promise<TakenSignInEmail> {
  const row = await db.signInEmail.findUnique({ where: { id } });
  if (!row?.sealedUrl || row.sentAt) return { skipped: "already sent" };
  const url = row.expiresAt > now ? openSignInLink(row.sealedUrl, row.email, secret) : null;
  if (!url) {
    await db.signInEmail.update({ where: { id }, data: { sealedUrl: null } });
    return { skipped: row.expiresAt > now ? "unreadable" : "expired" };
  }
  return { send: { email: row.email, url, expiresAt: row.expiresAt } };
}

/** After the email went out: the link is wiped, only the fact that it was sent stays. */
export async function markSignInEmailSent(db: PrismaClient, id: string): Promise<void> {
  await db.signInEmail.update({ where: { id }, data: { sentAt: new Date(), sealedUrl: null } });
}

/** Ids of links still worth sending, written before `writtenBefore` (so a job being added right now is not raced). */
export async function pendingSignInEmailIds(db: PrismaClient, writtenBefore: Date, limit: number, now = new Date()): Promise<string[]> {
  const rows = await db.signInEmail.findMany({
    where: { sealedUrl: { not: null }, sentAt: null, expiresAt: { gt: now }, createdAt: { lt: writtenBefore } },
    select: { id: true },
    take: limit,
  });
  return rows.map((r) => r.id);
}

/** A removed user's links not yet emailed are never sent (inside the removal's transaction). */
export async function withdrawSignInEmails(tx: Prisma.TransactionClient, email: string): Promise<void> {
  await tx.signInEmail.updateMany({ where: { email, sentAt: null, sealedUrl: { not: null } }, data: { sealedUrl: null } });
}

/** Housekeeping: rows past SIGN_IN_EMAIL_RETENTION_MS. Returns how many went. */
export async function deleteOldSignInEmails(db: PrismaClient, now = new Date()): Promise<number> {
  const { count } = await db.signInEmail.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - SIGN_IN_EMAIL_RETENTION_MS) } } });
  return count;
}
