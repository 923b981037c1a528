// GET /api/reports/:id/events — Server-Sent Events for one report (better-sse).
// On connect: a `snapshot` of the report, then every history event after the
// client's Last-Event-ID (all of them on first connect). Then live: `update`
// ({report, publishedAt}) for each change and `history` for each new event, whose SSE id is the event
// id, so a reconnecting browser resumes exactly where it left off.
import { toEventView, toReportView, type ReportUpdate } from "@backline/report-service";
import { createResponse } from "better-sse";
import { db } from "@/lib/server/db";
import { withVisibleReport } from "@/lib/server/report-route";
import { updateHub } from "@/lib/server/reports";

export const dynamic = "force-dynamic";

export async function GET(request: Request, ctx: RouteContext<"/api/reports/[id]/events">) {
  return withVisibleReport(request, (await ctx.params).id, async ({ id }) => stream(request, id));
}

function stream(request: Request, id: string) {

  // no-transform: Next would otherwise gzip the stream, costing about twice the
  // memory per open page and a few ms per update.
  const options = { keepAlive: 15_000, headers: { "Cache-Control": "no-store, no-transform", "X-Accel-Buffering": "no" } };
  return createResponse(request, options, async (session) => {
    let lastEventId = /^\d+$/.test(session.lastId) ? BigInt(session.lastId) : 0n;
    // Live updates that arrive before the catch-up read is done wait here, so
    // nothing is missed and nothing is sent twice.
    let pending: ReportUpdate[] | null = [];
    const send = (update: ReportUpdate) => {
      if (!session.isConnected) return;
      session.push({ report: update.report, publishedAt: update.publishedAt }, "update");
      if (update.event && BigInt(update.event.id) > lastEventId) {
        lastEventId = BigInt(update.event.id);
        session.push(update.event, "history", update.event.id);
      }
    };
    const unsubscribe = await updateHub().subscribe(id, (update) => (pending ? pending.push(update) : send(update)));
    session.once("disconnected", () => void unsubscribe());

    const [report, events] = await Promise.all([
      db().report.findUniqueOrThrow({ where: { id } }),
      db().reportEvent.findMany({ where: { reportId: id, id: { gt: lastEventId } }, orderBy: { id: "asc" } }),
    ]);
    if (!session.isConnected) return;
    session.push(toReportView(report), "snapshot");
    for (const event of events) {
      lastEventId = event.id;
      session.push(toEventView(event), "history", event.id.toString());
    }
    const queued = pending;
    pending = null;
    for (const update of queued) send(update);
  });
}
