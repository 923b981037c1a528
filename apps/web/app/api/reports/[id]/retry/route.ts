// POST /api/reports/:id/retry — 409 unless the report failed or was cancelled.
import { runReportCommand } from "@/lib/server/report-route";
import { commands } from "@/lib/server/reports";

export async function POST(request: Request, ctx: RouteContext<"/api/reports/[id]/retry">) {
  return runReportCommand(request, (await ctx.params).id, (id, actor) => commands().retry(id, actor));
}
