// POST /api/reports/:id/retry — 409 unless the report failed or was cancelled.
// A retry runs the report again, so it is limited like a new request: per
// user and client address (429 + Retry-After) and by the cap on reports in flight.
import { clientIp } from "@/lib/server/client-ip";
import { webEnv } from "@/lib/server/env";
import { runReportCommand } from "@/lib/server/report-route";
import { reportService } from "@/lib/server/reports";

export async function POST(request: Request, ctx: RouteContext<"/api/reports/[id]/retry">) {
  return runReportCommand(
    request,
    (await ctx.params).id,
    (id, actor) => reportService().retry(id, actor, { maxInFlight: webEnv().MAX_REPORTS_IN_FLIGHT_PER_USER }),
    (actor) => [
      ["reportsPerUser", actor.userId],
      ["reportsPerIp", clientIp(request.headers)],
    ],
  );
}
