// GET /api/reports/:id — the report's current state, where it stands in the
// queue while it waits, and with ?sinceEvent=<id> the history after that event
// (the status page's polling fallback).
import { toFieldIssues } from "@backline/config";
import { toEventView, toReportView } from "@backline/report-service";
import { reportStatusQuerySchema } from "@/lib/api/schemas";
import type { ReportStatusResponse } from "@/lib/report-status";
import { jsonError } from "@/lib/server/http";
import { reportNotFound, withReportRequest } from "@/lib/server/report-route";
import { reportService } from "@/lib/server/reports";

export async function GET(request: Request, ctx: RouteContext<"/api/reports/[id]">) {
  const { id } = await ctx.params;
  return withReportRequest(request, id, async (actor) => {
    const query = reportStatusQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) return jsonError(400, "Invalid query", toFieldIssues(query.error.issues));
    const since = query.data.sinceEvent;
    const found = await reportService().since(id, actor, since === undefined ? null : BigInt(since), 500);
    if (!found) return reportNotFound();
    const { report } = found;
    const body: ReportStatusResponse = toReportView(report);
    if (since !== undefined) body.events = found.events.map(toEventView);
    if (report.status === "queued") {
      // Best effort: the position is a nicety, Redis trouble must not hide the status.
      body.queue = await reportService()
        .queueEstimate(report)
        .catch(() => null);
    }
    return Response.json(body, { headers: { "Cache-Control": "no-store" } });
  });
}
