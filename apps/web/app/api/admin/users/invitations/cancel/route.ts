// POST /api/admin/users/invitations/cancel {email} — withdraws an invitation
// (an account already made with it stays). Admins only; anyone else gets 404.
import { cancelInvitation, invitationRoute } from "@/lib/server/user-admin";

export function POST(request: Request) {
  return invitationRoute(request, "Invalid request", async (email) =>
    Response.json({ cancelled: await cancelInvitation(email) }, { headers: { "Cache-Control": "no-store" } }),
  );
}
