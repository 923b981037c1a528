// What is refused before any route runs, and the security headers answers
// carry: one set of rules, applied by proxy.ts to every path its matcher
// takes, and by lib/server/unproxied.ts inside the few hot routes the matcher
// leaves out (running Next's proxy costs about as much CPU as a whole bare
// request: see bench/README.md). Plain functions on a method, a URL and
// headers, so both places apply exactly the same checks.
//
// 0. Malformed URLs: percent-encoding that does not decode to UTF-8 (`%ff`,
//    overlong `%c0%af`, surrogates `%ed%a0%80`, a lone `%`) or that decodes to
//    a control character (`%00`), in the path or any query name or value,
//    answers 400. Left to Next, such a path throws a DecodeError in its
//    dynamic-route matching, whose 400 page it then renders — a 500 in
//    production. (Next already turns non-UTF-8 bytes in the query into U+FFFD
//    before a route sees them; NUL and other control characters survive that.)
// 1. An API token in an /api query string is refused (400): a token in a URL
//    ends up in logs, histories and Referer headers.
// 2. CSRF: a state-changing request (anything but GET/HEAD/OPTIONS) must come
//    from our own origin — its Origin header equals APP_URL's — unless it is a
//    program's (an API token and no session cookie) or a one-click
//    unsubscribe. Browsers send Origin on every cross-site POST, so a forged
//    form or fetch is refused before any route sees it; session cookies are
//    SameSite=Lax besides.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * One-click unsubscribe (RFC 8058) is POSTed by mail providers' servers, with
 * no Origin of ours; its signed link is the permission and it uses no cookie,
 * so there is nothing for a cross-site request to ride on.
 */
const NO_ORIGIN_CHECK_PATH = /^\/(schedules\/[^/]+\/unsubscribe|opt-out\/[^/]+)$/;

/** Query parameters that carry credentials. */
const TOKEN_PARAM = /^(access_token|api_key|apikey|token|bearer)$/i;

/** The CSP of every answer that is not a page: nothing may load, frame or submit anything. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** A page's CSP: Next puts `nonce` on its own scripts (it reads it from the request's CSP header). */
export function pageCsp(nonce: string): string {
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

/** The site's origin and its HSTS value (only over https: browsers keep HSTS only from an https answer; subdomains are not assumed). */
export function siteOf(appUrl: string): { origin: string; hsts: string | null } {
  const url = new URL(appUrl);
  return { origin: url.origin, hsts: url.protocol === "https:" ? "max-age=31536000" : null };
}

/**
 * An API token (`Authorization: Bearer`) on a request without a session cookie: a
 * program, not a browser. CSRF rides on cookies a browser adds by itself; a
 * header a page can't set cross-site without CORS (which we never allow) carries
 * no such risk, so such requests skip the Origin check — and nothing else.
 */
const isBearerWithoutSession = (headers: Headers) =>
  /^bearer\s/i.test(headers.get("authorization") ?? "") && !/(^|;)\s*(__Host-)?backline\.session_token=/.test(headers.get("cookie") ?? "");

export interface RequestLine {
  method: string;
  /** The URL's path, still percent-encoded. */
  pathname: string;
  /** The URL's query with its `?`, or "". */
  search: string;
  headers: Headers;
}

/**
 * The refusal for a request no route may see (400 malformed URL, 400 token in
 * the query, 403 cross-site), or null. Refusals carry the API's CSP; HSTS is
 * the caller's to add.
 */
export function refusal(request: RequestLine, appOrigin: string): Response | null {
  const { pathname: path, search } = request;
  const malformed = malformedPart(path, search);
  if (malformed) {
    const error = `Malformed URL: the ${malformed} is not valid percent-encoded UTF-8 text`;
    return path.startsWith("/api/")
      ? Response.json(
          { error, issues: [{ path: malformed, message: "Not valid percent-encoded UTF-8, or a control character" }] },
          { status: 400, headers: { "Content-Security-Policy": API_CSP } },
        )
      : new Response(`${error}.\n`, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8", "Content-Security-Policy": API_CSP } });
  }
  const tokenInQuery = search.length > 1 && path.startsWith("/api/") && !path.startsWith("/api/auth/") ? tokenParameter(new URLSearchParams(search)) : null;
  if (tokenInQuery) {
    return Response.json(
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
    !isBearerWithoutSession(request.headers)
  ) {
    return Response.json(
      { error: "Cross-site request refused: the Origin header must be this site's own", issues: [{ path: "Origin", message: `Expected ${appOrigin}` }] },
      { status: 403, headers: { "Content-Security-Policy": API_CSP } },
    );
  }
  return null;
}

/** The query parameter that carries an API token (by its name, or a value shaped like one), or null. */
function tokenParameter(params: URLSearchParams): string | null {
  for (const [name, value] of params) if (TOKEN_PARAM.test(name) || /^bkl_[A-Za-z0-9_-]{20,}/.test(value)) return `query parameter ${name.slice(0, 50)}`;
  return null;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** What no route can mean: "path", "query" or a query parameter's name; null when the URL is fine. */
function malformedPart(pathname: string, search: string): string | null {
  if (!decodesCleanly(pathname)) return "path";
  if (search.length <= 1) return null;
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
