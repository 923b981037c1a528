// The routes proxy.ts's matcher leaves out (GET /api/health and /api/reports:
// the hottest ones, where running Next's proxy would cost about as much CPU as
// the rest of the request) wrap their handlers in this, so they get exactly
// what the proxy would have done: its refusals (malformed URL, a token in the
// query, a cross-site state change — lib/request-rules.ts) and its headers on
// every answer (the API's CSP; HSTS when APP_URL is https). Plain code, no
// copy of the request, a few microseconds.
import "server-only";
import { API_CSP, refusal, siteOf } from "../request-rules";
import { webEnv } from "./env";

let site: ReturnType<typeof siteOf> | undefined;

/** Marks a handler as doing the proxy's work itself (test/proxy.test.ts checks every route the matcher leaves out). */
export const UNPROXIED = Symbol.for("backline.unproxied");

type Handler<A extends unknown[]> = (request: Request, ...rest: A) => Response | Promise<Response>;

export function unproxied<A extends unknown[]>(handler: Handler<A>): ((request: Request, ...rest: A) => Promise<Response>) & { [UNPROXIED]: true } {
  const wrapped = async (request: Request, ...rest: A): Promise<Response> => {
    site ??= siteOf(webEnv().APP_URL);
    const url = new URL(request.url);
    const refused = refusal({ method: request.method, pathname: url.pathname, search: url.search, headers: request.headers }, site.origin);
    return withHeaders(refused ?? (await handler(request, ...rest)), site.hsts);
  };
  return Object.assign(wrapped, { [UNPROXIED]: true as const });
}

function withHeaders(response: Response, hsts: string | null): Response {
  try {
    response.headers.set("Content-Security-Policy", API_CSP);
    if (hsts) response.headers.set("Strict-Transport-Security", hsts);
    return response;
  } catch {
    // Immutable headers (a Response from fetch or Response.redirect): the same answer, with ours.
    const headers = new Headers(response.headers);
    headers.set("Content-Security-Policy", API_CSP);
    if (hsts) headers.set("Strict-Transport-Security", hsts);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}
