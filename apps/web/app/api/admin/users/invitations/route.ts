// POST /api/admin/users/invitations {email} — the address may sign in whatever
// its domain (and a removed account with it is restored). 201; 400 naming the
// field. Admins only; anyone else gets 404.
import { recordAdminAction } from "@/lib/server/admin-console";
import { invitationRoute, inviteAddress } from "@/lib/server/user-admin";

export function POST(request: Request) {
  return invitationRoute(request, "Invalid invitation", async (email, admin) => {
    const invited = await inviteAddress(email, admin);
    await recordAdminAction(admin, "user.invite", email, { ok: true }, { restored: invited.restored });
    return Response.json(invited, { status: 201, headers: { "Cache-Control": "no-store" } });
  });
}
