// POST /api/reports and GET /api/reports/:id, called as Next calls them, on a
// real scratch database and a real Redis queue with its own prefix.
import { QUEUES, createProducerQueue } from "@backline/queue";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

let app: WebApp;
let queue: Queue;
let ana: string;

beforeAll(async () => {
  app = await startWebApp({ MAX_BODY_BYTES: "16384" });
  queue = createProducerQueue(QUEUES.reports, { redisUrl: process.env.REDIS_URL!, prefix: app.prefix });
  ana = await app.signIn("ana@example.com");
});
afterAll(async () => {
  await queue?.close();
  await app?.close();
});

const post = (body: unknown, headers: Record<string, string> = { "content-type": "application/json" }, cookie = ana) =>
  app.fetch("/api/reports", { method: "POST", headers, cookie, body: typeof body === "string" ? body : JSON.stringify(body) });
const get = (id: string) => app.fetch(`/api/reports/${id}`, { cookie: ana });
const countRows = () => app.db.report.count();

describe("POST /api/reports", () => {
  it("accepts {type} alone: 202, a queued row owned by the signed-in user and addressed to them, and one job whose id is the report id", async () => {
    const response = await post({ type: "sales-summary" });
    expect(response.status).toBe(202);
    const body = await response.json();
    expect(body).toMatchObject({ type: "sales-summary", status: "queued", statusUrl: `${APP_URL}/reports/${body.id}` });
    expect(response.headers.get("location")).toBe(`/api/reports/${body.id}`);

    const row = await app.db.report.findUniqueOrThrow({ where: { id: body.id }, include: { user: true } });
    expect(row.user.email).toBe("ana@example.com");
    expect(row.ownerEmail).toBe("ana@example.com");

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

  it("answers 401 without a session, and writes nothing", async () => {
    const rowsBefore = await countRows();
    const response = await post({ type: "sales-summary" }, { "content-type": "application/json" }, "");
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "Sign in first", issues: [] });
    const forged = await post({ type: "sales-summary" }, { "content-type": "application/json" }, "backline.session_token=forged.c2lnbmF0dXJl");
    expect(forged.status).toBe(401);
    expect(await countRows()).toBe(rowsBefore);
  });

  it("answers 400 naming each bad field, and writes and enqueues nothing", async () => {
    const rowsBefore = await countRows();
    const jobsBefore = await queue.count();
    const paramsResponse = await post({ type: "sales-summary", params: { from: "2025-13-01", groupBy: "hour" } });
    expect(paramsResponse.status).toBe(400);
    const paramPaths = (await paramsResponse.json()).issues.map((i: { path: string }) => i.path);
    expect(paramPaths).toEqual(expect.arrayContaining(["params.from", "params.groupBy"]));
    const range = await post({ type: "sales-summary", params: { from: "2020-01-01", to: "2026-01-01" } });
    expect((await range.json()).issues[0]).toMatchObject({ path: "params.to", message: expect.stringMatching(/at most 1,098 days/) });
    expect(await countRows()).toBe(rowsBefore);
    expect(await queue.count()).toBe(jobsBefore);
  });

  it("rejects an unknown report type, unknown fields (naming them), malformed JSON, non-JSON and oversized bodies", async () => {
    const unknown = await post({ type: "nope" });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).issues[0].path).toBe("type");

    // The recipient is always the signed-in user: naming one is an unknown field.
    const extra = await post({ type: "sales-summary", email: "someone-else@example.com", admin: true });
    expect(extra.status).toBe(400);
    expect((await extra.json()).issues).toEqual([
      { path: "email", message: "Unknown field" },
      { path: "admin", message: "Unknown field" },
    ]);
    const extraParam = await post({ type: "sales-summary", params: { colour: "red" } });
    expect((await extraParam.json()).issues).toEqual([{ path: "params.colour", message: "Unknown field" }]);

    const malformed = await post("{not json");
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error).toBe("Malformed JSON body");

    expect((await post("type=x", { "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    const huge = await post({ type: "sales-summary", params: { region: "x".repeat(20_000) } });
    expect(huge.status).toBe(413);
    expect((await huge.json()).error).toBe("Request body is larger than 16384 bytes");
  });
});

describe("GET /api/reports/:id", () => {
  it("answers 404 for an unknown or malformed id, and 400 naming an unknown query field", async () => {
    expect((await get("018f0000-0000-7000-8000-000000000000")).status).toBe(404);
    expect((await get("not-a-uuid")).status).toBe(404);
    expect((await get(encodeURIComponent("../../etc/passwd"))).status).toBe(404);
    const created = await (await post({ type: "sales-summary" })).json();
    const odd = await app.fetch(`/api/reports/${created.id}?verbose=1`, { cookie: ana });
    expect(odd.status).toBe(400);
    expect((await odd.json()).issues).toEqual([{ path: "verbose", message: "Unknown field" }]);
  });
});
