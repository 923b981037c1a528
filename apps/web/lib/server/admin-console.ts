// The admin console as this web process uses it (@backline/report-service
// adminConsole: search, failures, stuck, the audit log), the frame of its API
// routes, and recordAdminAction — the one way an admin's action reaches the
// audit log, from the console's bulk commands, the user routes and the campaign
// routes alike.
import "server-only";
import { type Prisma, recordAudit } from "@backline/db";
import { adminConsole as createAdminConsole, type Actor, type AdminConsole } from "@backline/report-service";
import { db } from "./db";
import { failureResponse } from "./failures";
import { log } from "./log";
import { reportsQueue } from "./queue";
import { publisher } from "./reports";
import { adminApiActor } from "./user-admin";

const globalForAdmin = globalThis as unknown as { backlineAdminConsole?: AdminConsole };

export function adminConsole(): AdminConsole {
  return (globalForAdmin.backlineAdminConsole ??= createAdminConsole({ db: db(), queue: reportsQueue(), redis: publisher() }));
}

/** What an action came to: a command's result as it is (done, or refused with its reason and status). */
export type AdminOutcome = { ok: true } | { ok: false; error: string; status?: number };

interface AdminAction {
  action: string;
  target: string | null;
  outcome: AdminOutcome;
  detail?: Record<string, Prisma.InputJsonValue>;
}

/**
 * Appends an admin's action to the audit log: who, what, to which thing, and whether it was done or refused (why).
 * Never throws: the action has happened whatever the log says, so a failed write is logged instead.
 */
export function recordAdminAction(actor: Actor, action: string, target: string | null, outcome: AdminOutcome, detail?: AdminAction["detail"]): Promise<void> {
  return recordAdminActions(actor, [{ action, target, outcome, detail }]);
}

/** Several at once (a bulk command's reports), in one statement. */
export async function recordAdminActions(actor: Actor, actions: AdminAction[]): Promise<void> {
  const outcomeOf = (o: AdminOutcome) => (o.ok ? { outcome: "done" } : { outcome: "refused", reason: o.error, ...(o.status ? { status: o.status } : {}) });
  await recordAudit(
    db(),
    actions.map((a) => ({ actor: actor.email, action: a.action, target: a.target, detail: { ...outcomeOf(a.outcome), ...a.detail } })),
  ).catch((err: Error) =>
    log.error({ err: err.message.split("\n")[0], actions: actions.map((a) => a.action) }, "admin actions could not be written to the audit log"),
  );
}

/** The console's API routes: a signed-in admin (anyone else, anonymous included, gets 404), failures as 503/500. */
export async function withAdminSession(request: Request, handle: (admin: Actor) => Promise<Response>): Promise<Response> {
  try {
    const admin = await adminApiActor(request);
    return "response" in admin ? admin.response : await handle(admin.actor);
  } catch (err) {
    return failureResponse(err, request);
  }
}
