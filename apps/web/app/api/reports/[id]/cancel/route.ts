// POST /api/reports/:id/cancel — 409 unless the report is queued or generating.
import { runReportCommand } from "@/lib/server/report-command-route";
import { commands } from "@/lib/server/reports";

export async function POST(_request: Request, ctx: RouteContext<"/api/reports/[id]/cancel">) {
  return runReportCommand((await ctx.params).id, (id) => commands().cancel(id));
}
