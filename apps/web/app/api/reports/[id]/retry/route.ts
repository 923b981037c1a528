// POST /api/reports/:id/retry — 409 unless the report failed or was cancelled.
import { runReportCommand } from "@/lib/server/report-command-route";
import { commands } from "@/lib/server/reports";

export async function POST(_request: Request, ctx: RouteContext<"/api/reports/[id]/retry">) {
  return runReportCommand((await ctx.params).id, (id) => commands().retry(id));
}
