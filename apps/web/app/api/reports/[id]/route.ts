// GET /api/reports/:id — the report's current state.
import { db } from "@/lib/server/db";
import { jsonError, unavailable } from "@/lib/server/http";
import { isReportId, toReportView } from "@/lib/server/report-view";

export async function GET(_request: Request, ctx: RouteContext<"/api/reports/[id]">) {
  const { id } = await ctx.params;
  if (!isReportId(id)) return jsonError(404, "Report not found");
  try {
    const report = await db().report.findUnique({ where: { id } });
    if (!report) return jsonError(404, "Report not found");
    return Response.json(toReportView(report), { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return unavailable(err);
  }
}
