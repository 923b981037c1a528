// POST /api/admin/users/:id/remove — the user's sessions end at once, their
// download links stop working, and they can't sign in again unless invited
// again; their reports stay. 409 for yourself or an ADMIN_EMAILS address.
// Admins only; anyone else gets 404.
import { recordAdminAction } from "@/lib/server/admin-console";
import { jsonError, refuseBody } from "@/lib/server/http";
import { failureResponse } from "@/lib/server/failures";
import { adminApiActor, removeUser } from "@/lib/server/user-admin";

export async function POST(request: Request, ctx: { params: Promise<{ id: string }> }) {
  try {
    const admin = await adminApiActor(request);
    if ("response" in admin) return admin.response;
    const refused = await refuseBody(request);
    if (refused) return refused;
    const id = (await ctx.params).id;
    const result = await removeUser(id, admin.actor);
    await recordAdminAction(admin.actor, "user.remove", result.ok ? result.email : id, result, result.ok ? { reportsCancelled: result.reportsCancelled } : {});
    if (!result.ok) return jsonError(result.status, result.error);
    const { ok: _ok, ...removed } = result;
    return Response.json(removed, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return failureResponse(err);
  }
}
