// The report as the status API shows it names none of our machines: events
// recorded with a worker id (`hostname:pid`) come out without it, in the JSON
// answer and in the live stream's history. Real route handlers, scratch database.
import { transitionReport } from "@backline/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebApp, type WebApp } from "./web-app.ts";

const WORKER = "build-host-7.internal:4242";
let app: WebApp;
let ana: string;
beforeAll(async () => {
  app = await startWebApp();
  ana = await app.signIn("ana@example.com");
});
afterAll(() => app?.close());

describe("GET /api/reports/:id and its stream", () => {
  it("carry no worker ids", async () => {
    const created = await app.fetch("/api/reports", { method: "POST", cookie: ana, json: { type: "sales-summary" } });
    const { id } = (await created.json()) as { id: string };
    await transitionReport(app.db, id, "generating", { message: "Attempt started", newAttempt: true, workerId: WORKER });
    expect(await app.db.reportEvent.count({ where: { reportId: id, workerId: WORKER } })).toBe(1); // recorded, for operators

    const status = await app.fetch(`/api/reports/${id}?sinceEvent=0`, { cookie: ana });
    expect(status.status).toBe(200);
    const text = await status.text();
    expect(JSON.parse(text).events.map((e: { message: string }) => e.message)).toContain("Attempt started");
    expect(text).not.toContain("build-host-7");
    expect(text).not.toContain("workerId");

    const abort = new AbortController();
    const stream = await app.fetch(`/api/reports/${id}/events`, { cookie: ana, signal: abort.signal });
    const reader = stream.body!.getReader();
    let body = "";
    while (!body.includes("Attempt started")) body += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    expect(body).not.toContain("build-host-7");
    expect(body).not.toContain("workerId");
  });
});
