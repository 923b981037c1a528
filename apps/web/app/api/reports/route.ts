// POST /api/reports — validate, persist, enqueue, answer 202. Never renders.
// The report is the signed-in user's and is emailed to their address. Limited
// per user and per client address (429 + Retry-After) and by reports in flight.
// Honours Idempotency-Key (per user): same key and body → the same report; other body → 422.
// GET /api/reports?status=&type=&cursor= — your reports (an admin's: everyone's), newest first.
// proxy.ts's matcher leaves this path out (the hot path of "Generate report"): unproxied applies its rules here.
import { toFieldIssues } from "@backline/config";
import { listQuerySchema, toReportView } from "@backline/report-service";
import { webEnv } from "@/lib/server/env";
import { jsonError, readJsonBody } from "@/lib/server/http";
import { failureResponse, requestIdOf } from "@/lib/server/failures";
import { log } from "@/lib/server/log";
import { clientIp } from "@/lib/server/client-ip";
import { spend } from "@/lib/server/rate-limits";
import { refused } from "@/lib/server/api-frame";
import { reportService } from "@/lib/server/reports";
import { apiActor } from "@/lib/server/session";
import { unproxied } from "@/lib/server/unproxied";

export const POST = unproxied(async (request: Request) => {
  try {
    const who = await apiActor(request);
    if ("response" in who) return who.response;
    const read = await readJsonBody(request);
    if (!read.ok) return read.response;
    const limited = await spend([
      ["reportsPerUser", who.actor.userId],
      ["reportsPerIp", clientIp(request.headers)],
    ]);
    if (limited) return limited;
    const idempotencyKey = request.headers.get("idempotency-key") ?? undefined;
    const requestId = requestIdOf(request);
    const result = await reportService().request(read.body, who.actor, { idempotencyKey, maxInFlight: webEnv().MAX_REPORTS_IN_FLIGHT_PER_USER, requestId });
    if (!result.ok) return refused(result);
    const { id, type, status } = result.report;
    log.info({ requestId, reportId: id, type, replayed: Boolean(result.replayed) }, "report accepted");
    const statusUrl = new URL(`/reports/${id}`, webEnv().APP_URL).toString();
    const headers: Record<string, string> = { Location: `/api/reports/${id}` };
    if (result.replayed) headers["Idempotent-Replayed"] = "true";
    return Response.json({ id, type, status, statusUrl }, { status: 202, headers });
  } catch (err) {
    return failureResponse(err, request);
  }
});

export const GET = unproxied(async (request: Request) => {
  try {
    const who = await apiActor(request);
    if ("response" in who) return who.response;
    const query = listQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) {
      return jsonError(400, "Invalid query", toFieldIssues(query.error.issues));
    }
    const page = await reportService().list(who.actor, query.data);
    return Response.json({ items: page.items.map(toReportView), nextCursor: page.nextCursor }, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return failureResponse(err);
  }
});
