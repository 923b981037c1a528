// The web app's promise when a backing service is down: a clear, fast answer
// naming the setting to check — never a hang, never a stack trace.
import { randomBytes } from "node:crypto";
import { TEST_SECRETS, deleteQueueKeys, signedSessionCookie as signed, uniqueQueuePrefix } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const prefix = uniqueQueuePrefix("outage");
let post: (r: Request) => Promise<Response>;
let get: (r: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response>;
let authPost: (r: Request) => Promise<Response>;

/** A well-signed session cookie, so the request gets as far as looking the session up in the database that is down. */
const signedSessionCookie = () => signed(randomBytes(16).toString("hex"), TEST_SECRETS.AUTH_SECRET);

beforeAll(async () => {
  // Nothing listens on port 1.
  Object.assign(process.env, { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/backline", QUEUE_PREFIX: prefix, ...TEST_SECRETS });
  ({ POST: post } = await import("../app/api/reports/route.ts"));
  ({ GET: get } = (await import("../app/api/reports/[id]/route.ts")) as never);
  ({ POST: authPost } = await import("../app/api/auth/[...all]/route.ts"));
});
afterAll(async () => {
  const { reportsQueue } = await import("../lib/server/queue.ts");
  await reportsQueue().close();
  const { publisher } = await import("../lib/server/reports.ts");
  publisher().disconnect();
  await deleteQueueKeys(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", prefix);
});

describe("Postgres down", () => {
  it("POST /api/reports answers 503 JSON naming DATABASE_URL, quickly", async () => {
    const started = Date.now();
    const response = await post(
      new Request("http://app.test/api/reports", {
        method: "POST",
        headers: { "content-type": "application/json", cookie: signedSessionCookie(), origin: new URL(process.env.APP_URL ?? "http://localhost:3000").origin },
        body: JSON.stringify({ type: "sales-summary" }),
      }),
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: "The database is unavailable; check DATABASE_URL", issues: [] });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("GET /api/reports/:id answers 503 too", async () => {
    const id = "018f0000-0000-7000-8000-000000000000";
    const response = await get(new Request(`http://app.test/api/reports/${id}`, { headers: { cookie: signedSessionCookie() } }), {
      params: Promise.resolve({ id }),
    });
    expect(response.status).toBe(503);
  });

  it("asking for a sign-in link answers 503 naming DATABASE_URL (not Better Auth's bare 500)", async () => {
    const response = await authPost(
      new Request(`${process.env.APP_URL ?? "http://localhost:3000"}/api/auth/sign-in/magic-link`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: process.env.APP_URL ?? "http://localhost:3000", "x-forwarded-for": "192.0.2.1" },
        body: JSON.stringify({ email: "ana@example.com" }),
      }),
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: "The database is unavailable; check DATABASE_URL", issues: [] });
  });
});
