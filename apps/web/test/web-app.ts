// The web app's route handlers, called as Next calls them, on a scratch
// database and a queue prefix of their own: `fetch(path)` routes a path to its
// handler, and `signIn(email)` walks the real magic-link flow (request the
// link, read it from the sign_in_emails row the worker would send, press the
// confirmation page's button, i.e. POST /sign-in/verify) and returns the
// session cookie. Only proxy.ts (CSRF, headers) is not in the path; the
// end-to-end tests cover it over HTTP.
import { createPrismaClient, type PrismaClient } from "@backline/db";
import { openSignInLink } from "@backline/sign-in-outbox";
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
  [/^\/sign-in\/verify$/, () => import("../app/sign-in/verify/route.ts")],
  [/^\/api\/admin\/users$/, () => import("../app/api/admin/users/route.ts")],
  [/^\/api\/admin\/users\/invitations$/, () => import("../app/api/admin/users/invitations/route.ts")],
  [/^\/api\/admin\/users\/invitations\/cancel$/, () => import("../app/api/admin/users/invitations/cancel/route.ts")],
  [/^\/api\/admin\/users\/(?<id>[^/]+)\/remove$/, () => import("../app/api/admin/users/[id]/remove/route.ts")],
];

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
      await db.$disconnect();
      await deleteQueueKeys(REDIS_URL, prefix);
      await scratch.drop();
    },
  };
}
