// The bare baseline's one route: what GET /api/health is in Backline (a
// constant JSON answer, run per request), in a Next app with nothing else.
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ ok: true }, { headers: { "Cache-Control": "no-store" } });
}
