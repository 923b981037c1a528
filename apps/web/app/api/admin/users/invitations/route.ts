// POST /api/admin/users/invitations {email} — the address may sign in whatever
// its domain (and a removed account with it is restored). 201; 400 naming the
// field. Admins only; anyone else gets 404.
import { toFieldIssues } from "@backline/report-service";
import { jsonError, readJsonBody, unavailable } from "@/lib/server/http";
import { adminApiActor, invitationRequest, inviteAddress } from "@/lib/server/user-admin";

export async function POST(request: Request) {
  try {
    const admin = await adminApiActor(request);
    if ("response" in admin) return admin.response;
    const read = await readJsonBody(request);
    if (!read.ok) return read.response;
    const parsed = invitationRequest.safeParse(read.body);
    if (!parsed.success) return jsonError(400, "Invalid invitation", toFieldIssues(parsed.error.issues));
    const invited = await inviteAddress(parsed.data.email, admin.actor);
    return Response.json(invited, { status: 201, headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return unavailable(err);
  }
}
