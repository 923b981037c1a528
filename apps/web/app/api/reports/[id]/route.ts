// GET /api/reports/:id — the report's current state, where it stands in the
// queue while it waits, and with ?sinceEvent=<id> the history after that event
// (the status page's polling fallback).
import { toFieldIssues } from "@backline/config";
import { estimateQueued, toEventView, toReportView } from "@backline/report-service";
import { z } from "zod";
import type { ReportStatusResponse } from "@/lib/report-view";
import { db } from "@/lib/server/db";
import { jsonError } from "@/lib/server/http";
import { reportsQueue } from "@/lib/server/queue";
import { withVisibleReport } from "@/lib/server/report-route";
import { publisher } from "@/lib/server/reports";

const statusQuery = z.strictObject({
  sinceEvent: z
    .string()
    .regex(/^\d{1,18}$/, "Must be an event id")
    .optional(),
});

export async function GET(request: Request, ctx: RouteContext<"/api/reports/[id]">) {
  return withVisibleReport(request, (await ctx.params).id, async (report) => {
    const id = report.id;
    const body: ReportStatusResponse = toReportView(report);
    const query = statusQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) return jsonError(400, "Invalid query", toFieldIssues(query.error.issues));
    const since = query.data.sinceEvent;
    if (since !== undefined) {
      const events = await db().reportEvent.findMany({ where: { reportId: id, id: { gt: BigInt(since) } }, orderBy: { id: "asc" }, take: 500 });
      body.events = events.map(toEventView);
    }
    if (report.status === "queued") {
      // Best effort: the position is a nicety, Redis trouble must not hide the status.
      body.queue = await estimateQueued({ db: db(), queue: reportsQueue(), redis: publisher() }, report).catch(() => null);
    }
    return Response.json(body, { headers: { "Cache-Control": "no-store" } });
  });
}
