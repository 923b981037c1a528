// GET /api/reports/:id — the report's current state, where it stands in the
// queue while it waits, and with ?sinceEvent=<id> the history after that event
// (the status page's polling fallback).
import { estimateQueued, toEventView, toReportView } from "@backline/report-service";
import type { ReportStatusResponse } from "@/lib/report-view";
import { db } from "@/lib/server/db";
import { jsonError, unavailable } from "@/lib/server/http";
import { reportsQueue } from "@/lib/server/queue";
import { publisher } from "@/lib/server/reports";
import { isReportId } from "@/lib/server/report-view";

export async function GET(request: Request, ctx: RouteContext<"/api/reports/[id]">) {
  const { id } = await ctx.params;
  if (!isReportId(id)) return jsonError(404, "Report not found");
  try {
    const report = await db().report.findUnique({ where: { id } });
    if (!report) return jsonError(404, "Report not found");
    const body: ReportStatusResponse = toReportView(report);
    const since = new URL(request.url).searchParams.get("sinceEvent");
    if (since !== null) {
      if (!/^\d{1,18}$/.test(since)) return jsonError(400, "Invalid query", [{ path: "sinceEvent", message: "Must be an event id" }]);
      const events = await db().reportEvent.findMany({ where: { reportId: id, id: { gt: BigInt(since) } }, orderBy: { id: "asc" }, take: 500 });
      body.events = events.map(toEventView);
    }
    if (report.status === "queued") {
      // Best effort: the position is a nicety, Redis trouble must not hide the status.
      body.queue = await estimateQueued({ db: db(), queue: reportsQueue(), redis: publisher() }, report).catch(() => null);
    }
    return Response.json(body, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return unavailable(err);
  }
}
