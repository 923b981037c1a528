// Bull Board at /admin/queues: BullMQ's own view of every queue (QUEUES, under
// this deployment's QUEUE_PREFIX) — counts, jobs, their data, attempts, errors
// and logs. Bull Board has no Next adapter, so its Hono adapter serves it and
// the App Router's catch-all route (app/admin/queues/[[...path]]/route.ts)
// hands it each Request. Admins only: anyone else, signed in or not, gets 404.
// Read-only unless QUEUE_DASHBOARD_ACTIONS=true: every adapter is in Bull
// Board's read-only mode (no action buttons, its action routes answer 405), and
// any request but GET/HEAD is refused here before Bull Board sees it. With
// actions on, each one is recorded in the audit log. Its HTML, scripts and
// styles come from this origin only (the Google Fonts link in its page is
// dropped), under a CSP of its own (proxy.ts leaves the route's header alone).
import "server-only";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { QUEUES, createRedis } from "@backline/queue";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { Queue } from "bullmq";
import { Hono, type MiddlewareHandler } from "hono";
import { recordAdminAction } from "./admin-console";
import { webEnv } from "./env";
import { failureResponse } from "./failures";
import { plainPage } from "./plain-page";
import { actorFrom } from "./session";

const QUEUE_DASHBOARD_PATH = "/admin/queues";

/** Its scripts and styles from this origin (inline style attributes, which its loading screen uses); never framed. */
const QUEUE_DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SAFE_METHODS = new Set(["GET", "HEAD"]);

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * The static files of @bull-board/ui, in the shape of Hono's serveStatic (which the adapter calls with a root
 * relative to the working directory and a rewrite that strips the base path): only files under that root.
 */
function serveStatic({ root, rewriteRequestPath }: { root?: string; rewriteRequestPath?: (path: string) => string }): MiddlewareHandler {
  // Paths opaque to the build (turbopackIgnore): the files are traced by next.config.ts, not found by analysis.
  const base = path.resolve(/*turbopackIgnore: true*/ root ?? ".");
  return async (c) => {
    let relative: string;
    try {
      relative = decodeURIComponent((rewriteRequestPath ?? ((p: string) => p))(c.req.path));
    } catch {
      return c.notFound();
    }
    const file = path.join(/*turbopackIgnore: true*/ base, path.posix.normalize(`/${relative}`));
    const type = CONTENT_TYPES[path.extname(file)];
    if (!type || !file.startsWith(base + path.sep)) return c.notFound();
    try {
      // Bundles and chunks carry a content hash in their names; locales and icons do not.
      const hashed = /\.[0-9a-f]{8,}\.(js|css)$/.test(file);
      return c.body(new Uint8Array(await readFile(/*turbopackIgnore: true*/ file)), 200, {
        "Content-Type": type,
        "Cache-Control": hashed ? "public, max-age=31536000, immutable" : "public, max-age=3600",
      });
    } catch {
      return c.notFound();
    }
  };
}

const globalForDashboard = globalThis as unknown as { backlineQueueDashboard?: Hono };

function dashboard(): Hono {
  if (globalForDashboard.backlineQueueDashboard) return globalForDashboard.backlineQueueDashboard;
  const env = webEnv();
  // One fail-fast connection for every queue's reads: a page must not hang on Redis.
  const connection = createRedis(env.REDIS_URL, "producer").on("error", () => {});
  const readOnlyMode = !env.QUEUE_DASHBOARD_ACTIONS;
  const queues = Object.values(QUEUES).map((name) => {
    const queue = new Queue(name, { connection, prefix: env.QUEUE_PREFIX });
    queue.on("error", () => {});
    return new BullMQAdapter(queue, { readOnlyMode });
  });
  const serverAdapter = new HonoAdapter(serveStatic as unknown as ConstructorParameters<typeof HonoAdapter>[0]);
  createBullBoard({
    queues,
    serverAdapter,
    options: { uiConfig: { boardTitle: "Backline queues", miscLinks: [{ text: "Admin console", url: "/admin" }] } },
  });
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  const app = new Hono();
  app.route(QUEUE_DASHBOARD_PATH, serverAdapter.registerPlugin());
  return (globalForDashboard.backlineQueueDashboard = app);
}

const notFound = () => plainPage(404, "Not found", "There is nothing at this address.");

/** The route's one handler, for every method. */
export async function serveQueueDashboard(request: Request): Promise<Response> {
  try {
    // A signed-in session only (API tokens never reach admin pages), and an admin's.
    const actor = await actorFrom(request.headers);
    if (!actor?.admin) return notFound();
    const method = request.method.toUpperCase();
    if (!SAFE_METHODS.has(method) && !webEnv().QUEUE_DASHBOARD_ACTIONS) {
      return ownHeaders(
        Response.json(
          { error: "The queue dashboard is read-only: set QUEUE_DASHBOARD_ACTIONS=true to retry, clean, pause or remove jobs here" },
          { status: 405, headers: { Allow: "GET, HEAD" } },
        ),
      );
    }
    const response = await dashboard().fetch(request);
    if (!SAFE_METHODS.has(method)) {
      const target = new URL(request.url).pathname.slice(QUEUE_DASHBOARD_PATH.length);
      await recordAdminAction(
        actor,
        `queue-dashboard.${method.toLowerCase()}`,
        target,
        response.ok ? { ok: true } : { ok: false, error: `Bull Board answered ${response.status}`, status: response.status },
      );
    }
    return ownHeaders(await withoutThirdParties(response));
  } catch (err) {
    return failureResponse(err, request);
  }
}

/** Its page asks Google for fonts; the CSP would refuse them anyway, and an admin's address is nobody else's business. */
async function withoutThirdParties(response: Response): Promise<Response> {
  if (!(response.headers.get("content-type") ?? "").startsWith("text/html")) return response;
  const html = (await response.text()).replace(/<link\b[^>]*\bhref="https:\/\/fonts\.(googleapis|gstatic)\.com[^>]*>/g, "");
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(html, { status: response.status, headers });
}

function ownHeaders(response: Response): Response {
  const headers = new Headers(response.headers);
  headers.set("Content-Security-Policy", QUEUE_DASHBOARD_CSP);
  if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
