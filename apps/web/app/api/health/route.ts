// GET /api/health — liveness: the process is up and serving route handlers.
// Deliberately touches no database or queue (that would be a readiness check).
// force-dynamic: run the handler on every request rather than serving a
// response prerendered at build time, so it reports on the live process.
// proxy.ts's matcher leaves this path out (probes call it often); unproxied
// applies the proxy's rules and headers here instead.
import { unproxied } from "@/lib/server/unproxied";

export const dynamic = "force-dynamic";

export const GET = unproxied(() => Response.json({ ok: true }, { headers: { "Cache-Control": "no-store" } }));
