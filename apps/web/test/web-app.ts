// The web app's route handlers, called as Next calls them, on a scratch
// database and a queue prefix of their own: `fetch(path)` routes a path to its
// handler, and `signIn(email)` walks the real magic-link flow (request the
// link, read it from the sign_in_emails row the worker would send, open it)
// and returns the session cookie. Only proxy.ts (CSRF, headers) is not in the
// path; the end-to-end tests cover it over HTTP.
import { createPrismaClient, type PrismaClient } from "@backline/db";
import { openSignInLink } from "@backline/report-service";
import { TEST_SECRETS, createScratchDatabase, deleteQueueKeys, uniqueQueuePrefix, type ScratchDatabase } from "@backline/test-kit";

export const APP_URL = "http://app.test";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
type RouteModule = Partial<Record<"GET" | "POST", Handler>>;

/** Every route that touches reports or sessions, as [pattern, module]. */
const ROUTES: [RegExp, () => Promise<unknown>][] = [
  [/^\/api\/auth\/(?<all>.+)$/, () => import("../app/api/auth/[...all]/route.ts")],
  [/^\/api\/reports$/, () => import("../app/api/reports/route.ts")],
  [/^\/api\/reports\/(?<id>[^/]+)$/, () => import("../app/api/reports/[id]/route.ts")],
  [/^\/api\/reports\/(?<id>[^/]+)\/events$/, () => import("../app/api/reports/[id]/events/route.ts")],
  [/^\/api\/reports\/(?<id>[^/]+)\/cancel$/, () => import("../app/api/reports/[id]/cancel/route.ts")],
  [/^\/api\/reports\/(?<id>[^/]+)\/retry$/, () => import("../app/api/reports/[id]/retry/route.ts")],
  [/^\/api\/reports\/(?<id>[^/]+)\/download-links$/, () => import("../app/api/reports/[id]/download-links/route.ts")],
  [/^\/api\/reports\/(?<id>[^/]+)\/download-links\/revoke$/, () => import("../app/api/reports/[id]/download-links/revoke/route.ts")],
  [/^\/reports\/(?<id>[^/]+)\/download$/, () => import("../app/reports/[id]/download/route.ts")],
];

export interface WebApp {
  db: PrismaClient;
  prefix: string;
  fetch(path: string, init?: RequestInit & { cookie?: string; json?: unknown }): Promise<Response>;
  /** A new session for this address (the user is created on first sign-in); the Cookie header value. */
  signIn(email: string): Promise<string>;
  close(): Promise<void>;
}

export async function startWebApp(env: Record<string, string> = {}): Promise<WebApp> {
  const scratch: ScratchDatabase = await createScratchDatabase();
  const prefix = uniqueQueuePrefix("web");
  Object.assign(process.env, { DATABASE_URL: scratch.url, REDIS_URL, QUEUE_PREFIX: prefix, APP_URL, ...TEST_SECRETS, ...env });
  const db = createPrismaClient(scratch.url);

  async function fetch(path: string, init: RequestInit & { cookie?: string; json?: unknown } = {}): Promise<Response> {
    const url = new URL(path, APP_URL);
    const match = ROUTES.map(([pattern, load]) => ({ m: pattern.exec(url.pathname), load })).find((r) => r.m);
    if (!match?.m) throw new Error(`No route for ${url.pathname}`);
    const method = (init.method ?? "GET") as "GET" | "POST";
    const handler = ((await match.load()) as RouteModule)[method];
    if (!handler) return new Response(null, { status: 405 });
    const headers = new Headers(init.headers);
    if (init.cookie) headers.set("cookie", init.cookie);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    }
    const params = Object.fromEntries(Object.entries(match.m.groups ?? {}).map(([k, v]) => [k, k === "all" ? v.split("/") : v]));
    return handler(new Request(url, { ...init, headers, body }), { params: Promise.resolve(params) });
  }

  async function signIn(email: string): Promise<string> {
    const asked = await fetch("/api/auth/sign-in/magic-link", { method: "POST", headers: { origin: APP_URL }, json: { email } });
    if (asked.status !== 200) throw new Error(`sign-in request answered ${asked.status}: ${await asked.text()}`);
    const pending = await db.signInEmail.findFirstOrThrow({ where: { email: email.toLowerCase(), sentAt: null }, orderBy: { id: "desc" } });
    const link = new URL(openSignInLink(pending.sealedUrl!, pending.email, TEST_SECRETS.AUTH_SECRET)!);
    const verified = await fetch(link.pathname + link.search);
    const cookie = verified.headers.getSetCookie().find((c) => c.startsWith("backline.session_token="));
    if (verified.status !== 302 || !cookie) throw new Error(`magic link answered ${verified.status} without a session cookie`);
    return cookie.split(";")[0]!;
  }

  return {
    db,
    prefix,
    fetch,
    signIn,
    async close() {
      const { reportsQueue } = await import("../lib/server/queue.ts");
      await reportsQueue().close();
      const { publisher } = await import("../lib/server/reports.ts");
      publisher().disconnect();
      const { db: webDb } = await import("../lib/server/db.ts");
      await webDb().$disconnect();
      await db.$disconnect();
      await deleteQueueKeys(REDIS_URL, prefix);
      await scratch.drop();
    },
  };
}
