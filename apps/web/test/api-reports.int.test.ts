// POST /api/reports and GET /api/reports/:id, called as Next calls them, on a
// real scratch database and a real Redis queue with its own prefix.
import { QUEUES, createProducerQueue } from "@backline/queue";
import { createScratchDatabase, uniqueQueuePrefix, type ScratchDatabase } from "@backline/test-kit";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const prefix = uniqueQueuePrefix("web");
let scratch: ScratchDatabase;
let queue: Queue;
let routes: { POST: (r: Request) => Promise<Response> };
let statusRoute: { GET: (r: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response> };
let countRows: () => Promise<number>;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  Object.assign(process.env, { DATABASE_URL: scratch.url, QUEUE_PREFIX: prefix, APP_URL: "http://app.test" });
  routes = await import("../app/api/reports/route.ts");
  statusRoute = (await import("../app/api/reports/[id]/route.ts")) as never;
  const { db } = await import("../lib/server/db.ts");
  countRows = () => db().report.count();
  queue = createProducerQueue(QUEUES.reports, { redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", prefix });
});

afterAll(async () => {
  await queue?.obliterate({ force: true }).catch(() => {});
  await queue?.close();
  const { reportsQueue } = await import("../lib/server/queue.ts");
  await reportsQueue().close();
  const { publisher } = await import("../lib/server/reports.ts");
  publisher().disconnect();
  const { db } = await import("../lib/server/db.ts");
  await db().$disconnect();
  await scratch?.drop();
});

const post = (body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
  routes.POST(new Request("http://app.test/api/reports", { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) }));
const get = (id: string) => statusRoute.GET(new Request(`http://app.test/api/reports/${id}`), { params: Promise.resolve({ id }) });

describe("POST /api/reports", () => {
  it("accepts {type, email} alone: 202, a queued row, and one job whose id is the report id", async () => {
    const response = await post({ type: "sales-summary", email: "ana@example.com" });
    expect(response.status).toBe(202);
    const body = await response.json();
    expect(body).toMatchObject({ type: "sales-summary", status: "queued", statusUrl: `http://app.test/reports/${body.id}` });
    expect(response.headers.get("location")).toBe(`/api/reports/${body.id}`);

    const job = await queue.getJob(body.id);
    expect(job?.name).toBe("generate-report");
    expect(job?.data).toEqual({ reportId: body.id }); // ids only, no personal data in Redis

    const status = await (await get(body.id)).json();
    expect(status).toMatchObject({ id: body.id, type: "sales-summary", status: "queued", progress: 0, failureReason: null });
    // Defaults were resolved and stored: last full month, by day, all regions.
    expect(status.params).toMatchObject({ groupBy: "day" });
    expect(status.params.from).toMatch(/^\d{4}-\d{2}-01$/);
    expect(status.downloadUrl).toBeUndefined();
  });

  it("answers 400 naming each bad field, and writes and enqueues nothing", async () => {
    const rowsBefore = await countRows();
    const jobsBefore = await queue.count();
    const response = await post({ type: "sales-summary", email: "not-an-email", params: { from: "2025-13-01", groupBy: "hour" } });
    expect(response.status).toBe(400);
    const body = await response.json();
    const paths = body.issues.map((i: { path: string }) => i.path);
    expect(paths).toContain("email");
    const paramsResponse = await post({ type: "sales-summary", email: "ana@example.com", params: { from: "2025-13-01", groupBy: "hour" } });
    const paramPaths = (await paramsResponse.json()).issues.map((i: { path: string }) => i.path);
    expect(paramPaths).toEqual(expect.arrayContaining(["params.from", "params.groupBy"]));
    expect(await countRows()).toBe(rowsBefore);
    expect(await queue.count()).toBe(jobsBefore);
  });

  it("rejects an unknown report type, unknown fields, malformed JSON and non-JSON bodies", async () => {
    const unknown = await post({ type: "nope", email: "ana@example.com" });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).issues[0].path).toBe("type");

    const extra = await post({ type: "sales-summary", email: "ana@example.com", admin: true });
    expect(extra.status).toBe(400);

    const malformed = await post("{not json");
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error).toBe("Malformed JSON body");

    expect((await post("type=x", { "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    expect((await post({ type: "sales-summary", email: "a@b.co", params: { region: "x".repeat(70_000) } })).status).toBe(413);
  });
});

describe("GET /api/reports/:id", () => {
  it("answers 404 for an unknown or malformed id", async () => {
    expect((await get("018f0000-0000-7000-8000-000000000000")).status).toBe(404);
    expect((await get("../../etc/passwd")).status).toBe(404);
  });
});
