// The web app's route handlers, called as Next calls them, on a scratch
// database and a queue prefix of their own: `fetch(path)` routes a path to its
// handler (the table is read from the route files under app/, so a new route
// is reachable here as soon as it exists), and `signIn(email)` walks the real
// magic-link flow (request the link, read it from the sign_in_emails row the
// worker would send, press the confirmation page's button, i.e. POST
// /sign-in/verify) and returns the session cookie. Only proxy.ts (CSRF,
// headers) is not in the path; the end-to-end tests cover it over HTTP.
import { readdirSync } from "node:fs";
import { join, sep } from "node:path";
import { createPrismaClient, type PrismaClient } from "@backline/db";
import { openSignInLink } from "@backline/sign-in-outbox";
import { TEST_SECRETS, createScratchDatabase, deleteQueueKeys, uniqueQueuePrefix, type ScratchDatabase } from "@backline/test-kit";

export const APP_URL = "http://app.test";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
type RouteModule = Partial<Record<string, Handler>>;

export interface Route {
  /** The route file, relative to apps/web/app (e.g. `api/reports/[id]/route.ts`). */
  file: string;
  pattern: RegExp;
  /** The dynamic segments' names, in the order of the pattern's groups; catch-alls are given as arrays. */
  params: { name: string; catchAll: boolean }[];
  load(): Promise<RouteModule>;
}

const APP_DIR = join(import.meta.dirname, "../app");

/**
 * Every route handler under apps/web/app, found as Next finds them: a
 * `route.ts` file; `(group)` folders add no segment, `_private` folders and
 * `@slot` folders are not routes; `[id]` is a segment, `[...all]` one or more,
 * `[[...all]]` zero or more. Sorted as Next matches: static segments before
 * dynamic ones before catch-alls.
 */
export function appRoutes(appDir = APP_DIR): Route[] {
  const files = readdirSync(appDir, { recursive: true, encoding: "utf8" })
    .map((f) => f.split(sep).join("/"))
    .filter((f) => /(^|\/)route\.ts$/.test(f))
    .filter((f) => !f.split("/").some((segment) => segment.startsWith("_") || segment.startsWith("@")));
  const routes = files.map((file) => {
    const params: Route["params"] = [];
    const ranks: number[] = [];
    let source = "";
    for (const segment of file.split("/").slice(0, -1)) {
      if (/^\(.+\)$/.test(segment)) continue;
      const dynamic = /^(\[)?\[(\.\.\.)?([^\]]+)\](\])?$/.exec(segment);
      if (!dynamic) {
        source += `/${segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
        ranks.push(0);
      } else if (!dynamic[2]) {
        source += "/([^/]+)";
        ranks.push(1);
      } else if (!dynamic[1]) {
        source += "/(.+)";
        ranks.push(2);
      } else {
        source += "(?:/(.+))?";
        ranks.push(3);
      }
      if (dynamic) params.push({ name: dynamic[3]!, catchAll: Boolean(dynamic[2]) });
    }
    const absolute = join(appDir, file);
    return { file, pattern: new RegExp(`^${source || "/"}$`), params, ranks, load: () => import(absolute) as Promise<RouteModule> };
  });
  const compare = (a: number[], b: number[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return b.length - a.length;
  };
  return routes.sort((a, b) => compare(a.ranks, b.ranks)).map(({ ranks: _, ...route }) => route);
}

const ROUTES = appRoutes();

/** The route for a path and its params, as Next would pass them; null when no route file matches. */
export function matchRoute(pathname: string, routes = ROUTES): { route: Route; params: Record<string, string | string[]> } | null {
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    const params: Record<string, string | string[]> = {};
    route.params.forEach(({ name, catchAll }, i) => {
      const value = m[i + 1];
      if (value !== undefined) params[name] = catchAll ? value.split("/") : value;
    });
    return { route, params };
  }
  return null;
}

export interface WebApp {
  db: PrismaClient;
  prefix: string;
  fetch(path: string, init?: RequestInit & { cookie?: string; json?: unknown }): Promise<Response>;
  /** A new session for this address (the user is created on first sign-in); the Cookie header value. */
  signIn(email: string): Promise<string>;
  /** POSTs an emailed sign-in link's token as the confirmation page's form does. */
  confirmSignIn(link: URL): Promise<Response>;
  close(): Promise<void>;
}

export async function startWebApp(env: Record<string, string> = {}): Promise<WebApp> {
  const scratch: ScratchDatabase = await createScratchDatabase();
  const prefix = uniqueQueuePrefix("web");
  // APP_URL is not local, so sign-up is open only because this says so (sign-up-policy tests pass their own).
  const signUp = { ALLOW_OPEN_SIGN_UP: "true", ALLOWED_EMAIL_DOMAINS: "" };
  Object.assign(process.env, { DATABASE_URL: scratch.url, REDIS_URL, QUEUE_PREFIX: prefix, APP_URL, ...signUp, ...TEST_SECRETS, ...env });
  /** APP_URL unless the test set another (an https one, say). */
  const appUrl = process.env.APP_URL!;
  const db = createPrismaClient(scratch.url);

  async function fetch(path: string, init: RequestInit & { cookie?: string; json?: unknown } = {}): Promise<Response> {
    const url = new URL(path, appUrl);
    const match = matchRoute(url.pathname);
    if (!match) throw new Error(`No route for ${url.pathname}`);
    const handler = (await match.route.load())[(init.method ?? "GET").toUpperCase()];
    if (!handler) return new Response(null, { status: 405 });
    const headers = new Headers(init.headers);
    if (init.cookie) headers.set("cookie", init.cookie);
    // What a browser on the app's own pages sends with a state change (the routes proxy.ts skips check it themselves).
    if (!["GET", "HEAD", "OPTIONS"].includes((init.method ?? "GET").toUpperCase()) && !headers.has("origin")) headers.set("origin", new URL(appUrl).origin);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    }
    return handler(new Request(url, { ...init, headers, body }), { params: Promise.resolve(match.params) });
  }

  async function signIn(email: string): Promise<string> {
    const asked = await fetch("/api/auth/sign-in/magic-link", { method: "POST", headers: { origin: new URL(appUrl).origin }, json: { email } });
    if (asked.status !== 200) throw new Error(`sign-in request answered ${asked.status}: ${await asked.text()}`);
    const pending = await db.signInEmail.findFirstOrThrow({ where: { email: email.toLowerCase(), sentAt: null }, orderBy: { id: "desc" } });
    const link = new URL(openSignInLink(pending.sealedUrl!, pending.email, TEST_SECRETS.AUTH_SECRET)!);
    const verified = await confirmSignIn(link);
    const cookie = verified.headers.getSetCookie().find((c) => /^(__Host-)?backline\.session_token=/.test(c));
    if (verified.status !== 303 || !cookie) throw new Error(`confirming the sign-in link answered ${verified.status} without a session cookie`);
    return cookie.split(";")[0]!;
  }

  /** What the confirmation page's button does: POST the link's token (and where to go) to /sign-in/verify. */
  function confirmSignIn(link: URL): Promise<Response> {
    const form = new URLSearchParams();
    for (const key of ["token", "callbackURL", "errorCallbackURL"]) {
      const value = link.searchParams.get(key);
      if (value !== null) form.set(key, value);
    }
    return fetch("/sign-in/verify", {
      method: "POST",
      headers: { origin: new URL(appUrl).origin, "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
  }

  return {
    db,
    prefix,
    fetch,
    signIn,
    confirmSignIn,
    async close() {
      const { closeQueues } = await import("../lib/server/queue.ts");
      await closeQueues(); // reports and sign-in emails
      const { publisher } = await import("../lib/server/reports.ts");
      publisher().disconnect();
      const { db: webDb } = await import("../lib/server/db.ts");
      await webDb().$disconnect();
      const { closePgPool } = await import("../lib/server/pg.ts");
      await closePgPool();
      const { closeActorCache } = await import("../lib/server/actor-cache.ts");
      closeActorCache();
      await db.$disconnect();
      await deleteQueueKeys(REDIS_URL, prefix);
      await scratch.drop();
    },
  };
}
