// Runs before every route its matcher takes (below). Two jobs:
// 1. Refusals (lib/request-rules.ts): malformed URLs (400), an API token in an
//    /api query string (400), cross-site state changes (403: the Origin must
//    be APP_URL's, unless the request is a program's — an API token and no
//    session cookie — or a one-click unsubscribe).
// 2. Security headers: a per-request nonce CSP on pages (Next puts the nonce on
//    its own scripts), a deny-all CSP on the API; HSTS when APP_URL is https.
//
// The matcher leaves out what it has nothing to do for, because running the
// proxy at all costs a request about as much CPU again as a bare route handler
// (Next builds a request, clones a POST's body, runs this, merges the answer;
// bench/README.md): static build output (no document, must stay cacheable), and
// the two hottest API routes, GET /api/health and /api/reports (POST: every
// "Generate report"), whose handlers apply the very same rules themselves
// (lib/server/unproxied.ts; test/proxy.test.ts checks both the list and that).
import { appEnv, parseEnv } from "@backline/config";
import { NextResponse, type NextRequest } from "next/server";
import { API_CSP, pageCsp, refusal, siteOf } from "@/lib/request-rules";

/** Routes whose responses (a PDF, a small plain page, the queue dashboard) set their own CSP. */
const OWN_CSP_PATH = /^\/(reports\/[^/]+\/download|schedules\/[^/]+\/unsubscribe|opt-out\/[^/]+|api\/docs|admin\/queues(\/.*)?)$/;
let site: { origin: string; hsts: string | null } | undefined;

export function proxy(request: NextRequest) {
  site ??= siteOf(parseEnv(appEnv).APP_URL);
  const response = guard(request, site.origin);
  if (site.hsts) response.headers.set("Strict-Transport-Security", site.hsts);
  return response;
}

function guard(request: NextRequest, appOrigin: string): Response {
  const { pathname: path, search } = request.nextUrl;
  const refused = refusal({ method: request.method, pathname: path, search, headers: request.headers }, appOrigin);
  if (refused) return refused;
  if (OWN_CSP_PATH.test(path)) return NextResponse.next();
  if (path.startsWith("/api/")) {
    // The request goes on as it came (no header copy); only the answer gets the API's CSP.
    const response = NextResponse.next();
    response.headers.set("Content-Security-Policy", API_CSP);
    return response;
  }
  // Next reads the nonce from the request's CSP header and puts it on its own scripts.
  const csp = pageCsp(Buffer.from(crypto.randomUUID()).toString("base64"));
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  // Next tests a path's raw and decoded forms and runs the proxy when either matches, so `/api/report%73`
  // (or `/api/reports/`, `/api/reports/x`) still goes through it: only these exact paths are left out.
  matcher: [{ source: "/((?!_next/static|_next/image|favicon.ico|api/health$|api/reports$).*)" }],
};
