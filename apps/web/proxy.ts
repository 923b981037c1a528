// Runs before every route. Three jobs:
// 0. Malformed URLs: percent-encoding that does not decode to UTF-8 (`%ff`,
//    overlong `%c0%af`, surrogates `%ed%a0%80`, a lone `%`) or that decodes to
//    a control character (`%00`), in the path or any query name or value,
//    answers 400 here. Left to Next, such a path throws a DecodeError in its
//    dynamic-route matching (after this proxy runs), whose 400 page it then
//    renders — a 500 in production. (Next already turns non-UTF-8 bytes in the
//    query into U+FFFD before this proxy sees them; NUL and other control
//    characters survive that and are refused here.)
// 1. CSRF: a state-changing request (anything but GET/HEAD/OPTIONS) must come
//    from our own origin — its Origin header equals APP_URL's — unless it is a
//    program's: an API token and no session cookie. An API token in a URL's
//    query is refused (400). Browsers send
//    Origin on every cross-site POST, so a forged form or fetch is refused
//    here, before any route sees it; session cookies are SameSite=Lax besides.
// 2. Security headers: a per-request nonce CSP on pages (Next puts the nonce on
//    its own scripts), a deny-all CSP on everything else; HSTS when APP_URL is https.
import { appEnv, parseEnv } from "@backline/config";
import { NextResponse, type NextRequest } from "next/server";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Routes whose responses (a PDF, a small plain page, the queue dashboard) set their own CSP. */
const OWN_CSP_PATH = /^\/(reports\/[^/]+\/download|schedules\/[^/]+\/unsubscribe|opt-out\/[^/]+|api\/docs|admin\/queues(\/.*)?)$/;
/**
 * One-click unsubscribe (RFC 8058) is POSTed by mail providers' servers, with
 * no Origin of ours; its signed link is the permission and it uses no cookie,
 * so there is nothing for a cross-site request to ride on.
 */
const NO_ORIGIN_CHECK_PATH = /^\/(schedules\/[^/]+\/unsubscribe|opt-out\/[^/]+)$/;
/**
 * An API token (`Authorization: Bearer`) on a request without a session cookie: a
 * program, not a browser. CSRF rides on cookies a browser adds by itself; a
 * header a page can't set cross-site without CORS (which we never allow) carries
 * no such risk, so such requests skip the Origin check — and nothing else.
 */
const isBearerWithoutSession = (request: NextRequest) =>
  /^bearer\s/i.test(request.headers.get("authorization") ?? "") && !/(^|;)\s*(__Host-)?backline\.session_token=/.test(request.headers.get("cookie") ?? "");
/** Query parameters that carry credentials: a token in a URL ends up in logs, histories and Referer headers. */
const TOKEN_PARAM = /^(access_token|api_key|apikey|token|bearer)$/i;
let site: { origin: string; hsts: string | null } | undefined;

export function proxy(request: NextRequest) {
  site ??= siteOf(parseEnv(appEnv).APP_URL);
  return withHsts(guard(request, site.origin), site.hsts);
}

function guard(request: NextRequest, appOrigin: string): NextResponse {
  const malformed = malformedPart(request.nextUrl.pathname, request.nextUrl.search);
  if (malformed) {
    const error = `Malformed URL: the ${malformed} is not valid percent-encoded UTF-8 text`;
    return request.nextUrl.pathname.startsWith("/api/")
      ? NextResponse.json(
          { error, issues: [{ path: malformed, message: "Not valid percent-encoded UTF-8, or a control character" }] },
          { status: 400, headers: { "Content-Security-Policy": API_CSP } },
        )
      : new NextResponse(`${error}.\n`, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8", "Content-Security-Policy": API_CSP } });
  }
  const path = request.nextUrl.pathname;
  const tokenInQuery = path.startsWith("/api/") && !path.startsWith("/api/auth/") ? tokenParameter(request.nextUrl.searchParams) : null;
  if (tokenInQuery) {
    return NextResponse.json(
      {
        error: `An API token in the URL is refused: send it as an Authorization: Bearer header (and revoke this one, it may be in logs now)`,
        issues: [{ path: tokenInQuery, message: "Credentials don't go in the query string" }],
      },
      { status: 400, headers: { "Content-Security-Policy": API_CSP } },
    );
  }
  if (
    !SAFE_METHODS.has(request.method) &&
    request.headers.get("origin") !== appOrigin &&
    !NO_ORIGIN_CHECK_PATH.test(path) &&
    !isBearerWithoutSession(request)
  ) {
    return NextResponse.json(
      { error: "Cross-site request refused: the Origin header must be this site's own", issues: [{ path: "Origin", message: `Expected ${appOrigin}` }] },
      { status: 403, headers: { "Content-Security-Policy": API_CSP } },
    );
  }
  if (OWN_CSP_PATH.test(path)) return NextResponse.next();
  if (path.startsWith("/api/")) {
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

/** The query parameter that carries an API token (by its name, or a value shaped like one), or null. */
function tokenParameter(params: URLSearchParams): string | null {
  for (const [name, value] of params) if (TOKEN_PARAM.test(name) || /^bkl_[A-Za-z0-9_-]{20,}/.test(value)) return `query parameter ${name.slice(0, 50)}`;
  return null;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** What no route can mean: "path", "query" or a query parameter's name; null when the URL is fine. */
export function malformedPart(pathname: string, search: string): string | null {
  if (!decodesCleanly(pathname)) return "path";
  for (const pair of search.replace(/^\?/, "").split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (!decodesCleanly(name.replace(/\+/g, " "))) return "query";
    if (eq >= 0 && !decodesCleanly(pair.slice(eq + 1).replace(/\+/g, " ")))
      return `query parameter ${decodeURIComponent(name.replace(/\+/g, " ")).slice(0, 50)}`;
  }
  return null;
}

function decodesCleanly(part: string): boolean {
  if (!part.includes("%")) return !CONTROL.test(part);
  try {
    return !CONTROL.test(decodeURIComponent(part));
  } catch {
    return false; // URIError: not UTF-8 (invalid, overlong, surrogate) or not %XX at all
  }
}

function siteOf(appUrl: string) {
  const url = new URL(appUrl);
  // Browsers only keep HSTS from an https response, so it is sent only when the site is https (not every subdomain is assumed to be).
  return { origin: url.origin, hsts: url.protocol === "https:" ? "max-age=31536000" : null };
}

function withHsts(response: NextResponse, hsts: string | null): NextResponse {
  if (hsts) response.headers.set("Strict-Transport-Security", hsts);
  return response;
}

const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function pageCsp(nonce: string): string {
  const dev = process.env.NODE_ENV === "development";
  return [
    "default-src 'self'",
    // React's dev build needs eval for its error overlays; production never does.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Inline style attributes (the progress bar's width) are not script; stylesheets come from 'self'.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export const config = {
  // Static build output needs no CSP (it is not a document) and must stay cacheable.
  matcher: [{ source: "/((?!_next/static|_next/image|favicon.ico).*)" }],
};
