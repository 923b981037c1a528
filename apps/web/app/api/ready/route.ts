// GET /api/ready — readiness: Postgres and Redis reachable and every migration
// applied, or 503 with one line per problem naming the setting. (/api/health is
// liveness: the process answers.)
import { failureResponse } from "@/lib/server/failures";
import { notReady } from "@/lib/server/readiness";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    const problems = await notReady();
    return Response.json({ ready: problems.length === 0, problems }, { status: problems.length ? 503 : 200, headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return failureResponse(err);
  }
}
