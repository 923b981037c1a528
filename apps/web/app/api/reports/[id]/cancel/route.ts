// POST /api/reports/:id/cancel — 409 unless the report is queued or generating.
import { runReportCommand } from "@/lib/server/report-route";
import { reportService } from "@/lib/server/reports";

export async function POST(request: Request, ctx: RouteContext<"/api/reports/[id]/cancel">) {
  return runReportCommand(request, (await ctx.params).id, (id, actor) => reportService().cancel(id, actor));
}
