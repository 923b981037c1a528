// The audit log (audit_log): who did what to which thing, and what came of it.
// Admins' actions are written by the web app (lib/server/admin-console.ts
// recordAdminAction), the reconciler's re-adds by the worker; the admin
// console reads them back. Rows are only ever appended.
import type { Prisma, PrismaClient } from "./generated/prisma/client.ts";

/** The actor of the reconciler's entries (admins' entries carry their address). */
export const RECONCILER_ACTOR = "reconciler";

/** Actions written today; `campaign.<command>` and `queue-dashboard.<method>` are written as such. */
export const AUDIT_ACTIONS = {
  reportRetry: "report.retry",
  reportCancel: "report.cancel",
  userInvite: "user.invite",
  userCancelInvitation: "user.cancel-invitation",
  userRemove: "user.remove",
  campaignCreate: "campaign.create",
  reconcilerRequeue: "reconciler.requeue",
} as const;

export interface AuditInput {
  actor: string;
  action: string;
  /** A report, user, campaign, schedule or sign-in email id, or an address. */
  target?: string | null;
  detail?: Prisma.InputJsonValue;
}

/** Appends entries (one statement however many). */
export async function recordAudit(db: PrismaClient | Prisma.TransactionClient, entries: AuditInput[]): Promise<void> {
  if (entries.length === 0) return;
  await db.auditEntry.createMany({
    data: entries.map((e) => ({ actor: e.actor, action: e.action, target: e.target ?? null, ...(e.detail === undefined ? {} : { detail: e.detail }) })),
  });
}
