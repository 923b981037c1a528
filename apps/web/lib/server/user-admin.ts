// What an admin may do to accounts (the /admin/users page and /api/admin/users
// routes): list them, invite an address, remove a user. A removed user keeps
// their reports (the audit trail) but loses everything else at once: every
// session row is deleted and every web process told to forget them (actor-cache.ts), every
// download link is revoked, pending sign-in links are dropped, and the address
// may not sign in again until an admin invites it again (sign-up-policy.ts).
// Their queued and generating reports are cancelled, so no email (with a PDF
// attached, perhaps) goes out to them afterwards.
import "server-only";
import { toFieldIssues } from "@backline/config";
import type { Actor } from "@backline/report-service";
import { COMMANDS } from "@backline/db/report-status";
import { withdrawSignInEmails } from "@backline/sign-in-outbox";
import { z } from "zod";
import { db } from "./db";
import { webEnv } from "./env";
import { jsonError, readJsonBody } from "./http";
import { failureResponse } from "./failures";
import { reportService } from "./reports";
import { forgetUser } from "./actor-cache";
import { actorFrom } from "./session";

/** The admin behind an API request, or the 404 everyone else gets (as if the route didn't exist). */
export async function adminApiActor(request: Request): Promise<{ actor: Actor } | { response: Response }> {
  const actor = await actorFrom(request.headers);
  return actor?.admin ? { actor } : { response: jsonError(404, "Not found") };
}

const invitationRequest = z.strictObject({
  email: z
    .email({ error: "Enter a valid email address" })
    .max(254)
    .transform((e) => e.toLowerCase()),
});

/**
 * The frame of the admin routes that take `{email}`: 404 for anyone but an admin,
 * the body read within MAX_BODY_BYTES, 400 naming the field, 503 when a service is down.
 */
export async function invitationRoute(request: Request, invalid: string, handle: (email: string, admin: Actor) => Promise<Response>): Promise<Response> {
  try {
    const admin = await adminApiActor(request);
    if ("response" in admin) return admin.response;
    const read = await readJsonBody(request);
    if (!read.ok) return read.response;
    const parsed = invitationRequest.safeParse(read.body);
    if (!parsed.success) return jsonError(400, invalid, toFieldIssues(parsed.error.issues));
    return await handle(parsed.data.email, admin.actor);
  } catch (err) {
    return failureResponse(err, request);
  }
}

export interface UserRow {
  id: string;
  email: string;
  createdAt: Date;
  lastSignInAt: Date | null;
  removedAt: Date | null;
  invited: boolean;
  admin: boolean;
  reports: number;
}

export interface InvitationRow {
  email: string;
  invitedBy: string;
  createdAt: Date;
}

/** Every account, newest first, and the invitations nobody has used yet. */
export async function listUsers(): Promise<{ users: UserRow[]; invitations: InvitationRow[] }> {
  const admins = webEnv().ADMIN_EMAILS;
  const [users, invitations] = await Promise.all([
    db().user.findMany({
      orderBy: { createdAt: "desc" },
      take: 1000,
      select: { id: true, email: true, createdAt: true, lastSignInAt: true, removedAt: true, _count: { select: { reports: true } } },
    }),
    db().invitation.findMany({ orderBy: { createdAt: "desc" }, take: 1000 }),
  ]);
  const invited = new Set(invitations.map((i) => i.email));
  const known = new Set(users.map((u) => u.email));
  return {
    users: users.map((u) => ({
      id: u.id,
      email: u.email,
      createdAt: u.createdAt,
      lastSignInAt: u.lastSignInAt,
      removedAt: u.removedAt,
      invited: invited.has(u.email),
      admin: admins.includes(u.email),
      reports: u._count.reports,
    })),
    invitations: invitations.filter((i) => !known.has(i.email)).map((i) => ({ email: i.email, invitedBy: i.invitedBy, createdAt: i.createdAt })),
  };
}

/** Invites an address (again): it may sign in whatever its domain; a removed account with that address is restored. */
export async function inviteAddress(email: string, by: Actor): Promise<{ email: string; invitedAt: Date; restored: boolean }> {
  return db().$transaction(async (tx) => {
    const invitation = await tx.invitation.upsert({ where: { email }, create: { email, invitedBy: by.email }, update: {} });
    const { count } = await tx.user.updateMany({ where: { email, removedAt: { not: null } }, data: { removedAt: null } });
    return { email, invitedAt: invitation.createdAt, restored: count > 0 };
  });
}

/** Withdraws an invitation; an account already made with it stays. */
export async function cancelInvitation(email: string): Promise<boolean> {
  const { count } = await db().invitation.deleteMany({ where: { email } });
  return count > 0;
}

export type RemoveResult =
  | { ok: true; id: string; email: string; removedAt: Date; sessionsEnded: number; linksRevoked: number; reportsCancelled: number }
  | { ok: false; status: 404 | 409; error: string };

/** Removes a user (see the top of this file). Not yourself, and not an address in ADMIN_EMAILS (that setting always lets it in). */
export async function removeUser(id: string, by: Actor): Promise<RemoveResult> {
  if (!z.uuid().safeParse(id).success) return { ok: false, status: 404, error: "User not found" };
  const user = await db().user.findUnique({ where: { id }, select: { id: true, email: true } });
  if (!user) return { ok: false, status: 404, error: "User not found" };
  if (user.id === by.userId) return { ok: false, status: 409, error: "You can't remove yourself" };
  if (webEnv().ADMIN_EMAILS.includes(user.email))
    return { ok: false, status: 409, error: "This address is in ADMIN_EMAILS, which always lets it sign in: take it out of that setting first" };
  const now = new Date();
  const removed = await db().$transaction(async (tx) => {
    const row = await tx.user.update({ where: { id }, data: { removedAt: now }, select: { removedAt: true } });
    const sessions = await tx.session.deleteMany({ where: { userId: id } });
    const links = await tx.downloadLink.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: now } });
    await tx.invitation.deleteMany({ where: { email: user.email } });
    // Sign-in links not yet emailed, and unused ones already emailed (Better Auth keeps the address in the value).
    await withdrawSignInEmails(tx, user.email);
    await tx.$executeRaw`delete from verifications
      where case when identifier like 'magic-link:%' and value like '{%' then value::jsonb ->> 'email' end = ${user.email}`;
    return { ok: true as const, id, email: user.email, removedAt: row.removedAt!, sessionsEnded: sessions.count, linksRevoked: links.count };
  });
  // Every web process forgets what it remembered of their sessions and tokens (actor-cache.ts), at once.
  await forgetUser(id);
  // After the removal is committed: cancelling publishes to Redis, and Redis being down must not undo a removal.
  const inFlight = await db().report.findMany({ where: { userId: id, status: { in: [...COMMANDS.cancel.from] } }, select: { id: true } });
  let reportsCancelled = 0;
  for (const report of inFlight) {
    const cancelled = await reportService()
      .cancel(report.id, by)
      .catch((err: Error) => (console.error(`[admin] report ${report.id} of a removed user was not cancelled: ${err.message.split("\n")[0]}`), null));
    if (cancelled?.ok) reportsCancelled++;
  }
  return { ...removed, reportsCancelled };
}
