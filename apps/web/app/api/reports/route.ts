// POST /api/reports — validate, persist, enqueue, answer 202. Never renders.
import { acceptReportRequest } from "@/lib/server/report-requests";
import { jsonError, readJsonBody, unavailable } from "@/lib/server/http";
import { webEnv } from "@/lib/server/env";

export async function POST(request: Request) {
  const read = await readJsonBody(request);
  if (!read.ok) return read.response;
  try {
    const result = await acceptReportRequest(read.body);
    if (!result.ok) return jsonError(result.status, result.error, result.issues);
    const { id, type, status } = result.report;
    const statusUrl = new URL(`/reports/${id}`, webEnv().APP_URL).toString();
    return Response.json({ id, type, status, statusUrl }, { status: 202, headers: { Location: `/api/reports/${id}` } });
  } catch (err) {
    return unavailable(err);
  }
}
