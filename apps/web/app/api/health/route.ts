// GET /api/health — liveness: the process is up and serving route handlers.
// Deliberately touches no database or queue (that would be a readiness check),
// which also makes it the bare baseline `npm run bench` compares the API with.
// force-dynamic: run the handler on every request rather than serving a
// response prerendered at build time, so it reports on the live process.
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ ok: true }, { headers: { "Cache-Control": "no-store" } });
}
