// GET /api/admin/users — every account (email, created, last sign-in, invited,
// removed) and the invitations not used yet. Admins only; anyone else gets 404.
import { failureResponse } from "@/lib/server/failures";
import { adminApiActor, listUsers } from "@/lib/server/user-admin";

export async function GET(request: Request) {
  try {
    const admin = await adminApiActor(request);
    if ("response" in admin) return admin.response;
    return Response.json(await listUsers(), { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return failureResponse(err);
  }
}
