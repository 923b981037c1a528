// GET /api/admin/failures?window=1h|24h|7d (default 24h) — failed reports that finished in the window, grouped by
// reason, most frequent first: {window, groups: [{reason, count, latest, examples: [report…]}]}. Admins only; 404 otherwise.
import { toFieldIssues } from "@backline/config";
import { failureWindowSchema } from "@backline/report-service";
import { adminConsole, withAdminSession } from "@/lib/server/admin-console";
import { jsonError } from "@/lib/server/http";

export function GET(request: Request) {
  return withAdminSession(request, async () => {
    const window = failureWindowSchema.safeParse(new URL(request.url).searchParams.get("window") ?? "24h");
    if (!window.success) return jsonError(400, "Invalid window", toFieldIssues(window.error.issues, ["window"]));
    return Response.json({ window: window.data, groups: await adminConsole().failures(window.data) }, { headers: { "Cache-Control": "no-store" } });
  });
}
