// POST /api/admin/reports/bulk {action: "retry" | "cancel", ids: [report id…]} — each report retried or cancelled
// through the same command as its own button, as the admin; → {results: [{id, outcome: "done", status} |
// {id, outcome: "refused", reason}]}, each recorded in the audit log. At most 100 ids. Admins only; 404 otherwise.
import { toFieldIssues } from "@backline/config";
import { bulkRequestSchema } from "@backline/report-service";
import { recordAdminActions, withAdminSession } from "@/lib/server/admin-console";
import { jsonError, readJsonBody } from "@/lib/server/http";
import { reportService } from "@/lib/server/reports";

export function POST(request: Request) {
  return withAdminSession(request, async (admin) => {
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const parsed = bulkRequestSchema.safeParse(body.body);
    if (!parsed.success) return jsonError(400, "Invalid bulk command", toFieldIssues(parsed.error.issues));
    const results = await reportService().bulk(parsed.data, admin);
    await recordAdminActions(
      admin,
      results.map((r) => ({
        action: `report.${parsed.data.action}`,
        target: r.id,
        outcome: r.outcome === "done" ? { ok: true } : { ok: false, error: r.reason },
        detail: { bulk: true },
      })),
    );
    return Response.json({ results }, { headers: { "Cache-Control": "no-store" } });
  });
}
