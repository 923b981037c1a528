// The web app's promise when a backing service is down: a clear, fast answer
// naming the setting to check — never a hang, never a stack trace.
import { deleteQueueKeys, uniqueQueuePrefix } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const prefix = uniqueQueuePrefix("outage");
let post: (r: Request) => Promise<Response>;
let get: (r: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response>;

beforeAll(async () => {
  // Nothing listens on port 1.
  Object.assign(process.env, { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/backline", QUEUE_PREFIX: prefix });
  ({ POST: post } = await import("../app/api/reports/route.ts"));
  ({ GET: get } = (await import("../app/api/reports/[id]/route.ts")) as never);
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
      new Request("http://app.test/api/reports", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "sales-summary", email: "ana@example.com" }) }),
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: "The database is unavailable; check DATABASE_URL", issues: [] });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("GET /api/reports/:id answers 503 too", async () => {
    const id = "018f0000-0000-7000-8000-000000000000";
    const response = await get(new Request(`http://app.test/api/reports/${id}`), { params: Promise.resolve({ id }) });
    expect(response.status).toBe(503);
  });
});
