// POST /api/reports/:id/retry — 409 unless the report failed or was cancelled;
// 429 when the owner already has as many reports in flight as a new request may.
import { webEnv } from "@/lib/server/env";
import { runReportCommand } from "@/lib/server/report-route";
import { commands } from "@/lib/server/reports";

export async function POST(request: Request, ctx: RouteContext<"/api/reports/[id]/retry">) {
  return runReportCommand(request, (await ctx.params).id, (id, actor) => commands().retry(id, actor, { maxInFlight: webEnv().MAX_REPORTS_IN_FLIGHT_PER_USER }));
}
