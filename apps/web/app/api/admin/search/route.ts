// GET /api/admin/search?q=… — one box: a report, campaign or schedule id (a UUID is looked up as each), or an
// address (its reports and campaign emails). → {query, kind, reports, recipients, campaign, schedule, runs}.
// Admins only; anyone else gets 404.
import { adminConsole, withAdminSession } from "@/lib/server/admin-console";

export function GET(request: Request) {
  return withAdminSession(request, async () =>
    Response.json(await adminConsole().search(new URL(request.url).searchParams.get("q") ?? ""), { headers: { "Cache-Control": "no-store" } }),
  );
}
