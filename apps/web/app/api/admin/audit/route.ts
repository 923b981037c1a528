// GET /api/admin/audit?before=<id> — admins' actions, newest first (who, when, what, to which thing, done or refused):
// {items, nextBefore}. Admins only; 404 otherwise.
import { adminConsole, withAdminSession } from "@/lib/server/admin-console";

export function GET(request: Request) {
  return withAdminSession(request, async () =>
    Response.json(await adminConsole().auditLog(new URL(request.url).searchParams.get("before")), { headers: { "Cache-Control": "no-store" } }),
  );
}
