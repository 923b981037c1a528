// GET /api/admin/stuck — reports in flight with no live job in Redis (what the reconciler re-adds), reports generating
// longer than their type's p99, the p99s, and the reconciler's latest re-adds. Admins only; 404 otherwise.
import { adminConsole, withAdminSession } from "@/lib/server/admin-console";

export function GET(request: Request) {
  return withAdminSession(request, async () => {
    const [stuck, reconciler] = await Promise.all([adminConsole().stuck(), adminConsole().reconcilerActions()]);
    return Response.json({ ...stuck, reconciler }, { headers: { "Cache-Control": "no-store" } });
  });
}
