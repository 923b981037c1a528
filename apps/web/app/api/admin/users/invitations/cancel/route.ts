// POST /api/admin/users/invitations/cancel {email} — withdraws an invitation
// (an account already made with it stays). Admins only; anyone else gets 404.
import { recordAdminAction } from "@/lib/server/admin-console";
import { cancelInvitation, invitationRoute } from "@/lib/server/user-admin";

export function POST(request: Request) {
  return invitationRoute(request, "Invalid request", async (email, admin) => {
    const cancelled = await cancelInvitation(email);
    await recordAdminAction(admin, "user.cancel-invitation", email, cancelled ? { ok: true } : { ok: false, error: "No such invitation" });
    return Response.json({ cancelled }, { headers: { "Cache-Control": "no-store" } });
  });
}
