// POST /api/admin/users/invitations/cancel {email} — withdraws an invitation
// (an account already made with it stays). Admins only; anyone else gets 404.
import { toFieldIssues } from "@backline/report-service";
import { jsonError, readJsonBody, unavailable } from "@/lib/server/http";
import { adminApiActor, cancelInvitation, invitationRequest } from "@/lib/server/user-admin";

export async function POST(request: Request) {
  try {
    const admin = await adminApiActor(request);
    if ("response" in admin) return admin.response;
    const read = await readJsonBody(request);
    if (!read.ok) return read.response;
    const parsed = invitationRequest.safeParse(read.body);
    if (!parsed.success) return jsonError(400, "Invalid request", toFieldIssues(parsed.error.issues));
    return Response.json({ cancelled: await cancelInvitation(parsed.data.email) }, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return unavailable(err);
  }
}
