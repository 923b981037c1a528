// POST /api/reports — validate, persist, enqueue, answer 202. Never renders.
// Honours Idempotency-Key: same key and body → the same report; other body → 422.
// GET /api/reports?email=&status=&type=&cursor= — a person's reports, newest first.
import { toReportView } from "@backline/report-service";
import { webEnv } from "@/lib/server/env";
import { jsonError, readJsonBody, unavailable } from "@/lib/server/http";
import { listQuerySchema, listReports } from "@/lib/server/report-list";
import { commands } from "@/lib/server/reports";

export async function POST(request: Request) {
  const read = await readJsonBody(request);
  if (!read.ok) return read.response;
  try {
    const idempotencyKey = request.headers.get("idempotency-key") ?? undefined;
    const result = await commands().request(read.body, { idempotencyKey });
    if (!result.ok) return jsonError(result.status, result.error, result.issues);
    const { id, type, status } = result.report;
    const statusUrl = new URL(`/reports/${id}`, webEnv().APP_URL).toString();
    const headers: Record<string, string> = { Location: `/api/reports/${id}` };
    if (result.replayed) headers["Idempotent-Replayed"] = "true";
    return Response.json({ id, type, status, statusUrl }, { status: 202, headers });
  } catch (err) {
    return unavailable(err);
  }
}

export async function GET(request: Request) {
  const query = listQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) {
    return jsonError(400, "Invalid query", query.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  }
  try {
    const page = await listReports(query.data);
    return Response.json({ items: page.items.map(toReportView), nextCursor: page.nextCursor }, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return unavailable(err);
  }
}
