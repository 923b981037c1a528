// The tracking API as Next calls it, on a scratch database and real Redis:
// the SSE stream (snapshot, history, live updates, Last-Event-ID resume),
// cancel/retry answers, and "My reports" listing — each as a signed-in user.
import { transitionReport } from "@backline/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { takeFrames, type Frame } from "./sse-frames.ts";
import { startWebApp, type WebApp } from "./web-app.ts";

let app: WebApp;
let ana: string;
beforeAll(async () => {
  app = await startWebApp();
  ana = await app.signIn("ana@example.com");
});
afterAll(() => app?.close());

async function create(cookie = ana) {
  const response = await app.fetch("/api/reports", { method: "POST", cookie, json: { type: "sales-summary" } });
  return ((await response.json()) as { id: string }).id;
}
const post = (path: string, cookie = ana) => app.fetch(path, { method: "POST", cookie });

/** Reads SSE frames from a streaming response, `take(n)` at a time. */
function sseReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const frames: Frame[] = [];
  let buffer = "";
  return {
    async take(count: number, timeoutMs = 10_000): Promise<Frame[]> {
      const deadline = Date.now() + timeoutMs;
      while (frames.length < count && Date.now() < deadline) {
        const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
        if (!chunk || chunk.done) break;
        buffer = takeFrames(buffer + decoder.decode(chunk.value, { stream: true }), frames);
      }
      return frames.splice(0, count);
    },
    close: () => reader.cancel(),
  };
}

describe("GET /api/reports/:id/events", () => {
  it("sends a snapshot and the history, then live updates as the report changes", async () => {
    const id = await create();
    const abort = new AbortController();
    const response = await app.fetch(`/api/reports/${id}/events`, { signal: abort.signal, cookie: ana });
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const stream = sseReader(response);
    const first = await stream.take(2);
    expect(first.map((f) => f.event)).toEqual(["snapshot", "history"]);
    expect(first[0]!.data).toMatchObject({ id, status: "queued" });
    expect(first[1]!.data).toMatchObject({ status: "queued", message: "Request accepted" });

    // A change made elsewhere (here: cancel) arrives live.
    const cancelled = await post(`/api/reports/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    const live = await stream.take(2);
    expect(live.map((f) => f.event)).toEqual(["update", "history"]);
    expect((live[0]!.data as { report: { status: string } }).report.status).toBe("cancelled");
    abort.abort();
    await stream.close();

    // Reconnecting with Last-Event-ID resumes after it: only the cancel event is new.
    const resume = sseReader(await app.fetch(`/api/reports/${id}/events`, { headers: { "Last-Event-ID": first[1]!.id! }, cookie: ana }));
    const resumed = await resume.take(3, 2000);
    expect(resumed.map((f) => f.event)).toEqual(["snapshot", "history"]);
    expect(resumed[1]!.data).toMatchObject({ status: "cancelled" });
    await resume.close();
  });

  it("answers 404 for unknown reports", async () => {
    const unknown = "018f0000-0000-7000-8000-000000000000";
    expect((await app.fetch(`/api/reports/${unknown}/events`, { cookie: ana })).status).toBe(404);
    expect((await app.fetch("/api/reports/nope/events", { cookie: ana })).status).toBe(404);
  });
});

describe("POST /api/reports/:id/cancel and /retry", () => {
  it("answer 409 with a reason for a status that doesn't allow them, 404 for unknown ids", async () => {
    const id = await create();
    const conflict = await post(`/api/reports/${id}/retry`);
    expect(conflict.status).toBe(409);
    expect((await conflict.json()).error).toMatch(/queued report can't be retried/);

    await transitionReport(app.db, id, "generating", { message: "start" });
    await transitionReport(app.db, id, "emailing", { message: "pdf" });
    await transitionReport(app.db, id, "sent", { message: "sent" });
    const late = await post(`/api/reports/${id}/cancel`);
    expect(late.status).toBe(409);
    expect((await late.json()).error).toMatch(/sent report can't be cancelled/);

    expect((await post("/api/reports/018f0000-0000-7000-8000-000000000000/cancel")).status).toBe(404);
  });

  it("retry puts a cancelled report back in the queue under the same id", async () => {
    const id = await create();
    expect((await post(`/api/reports/${id}/cancel`)).status).toBe(200);
    const retried = await post(`/api/reports/${id}/retry`);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ id, status: "queued", progress: 0 });
    const { reportsQueue } = await import("../lib/server/queue.ts");
    expect((await reportsQueue().getJob(id))?.data).toEqual({ reportId: id });
  });
});

describe("GET /api/reports (My reports)", () => {
  it("lists the signed-in user's own reports newest first, filtered, a page at a time", async () => {
    const me = await app.signIn(`list-${Date.now()}@example.com`);
    const ids = [await create(me), await create(me), await create(me)];
    await create(); // ana's: never in my list
    await post(`/api/reports/${ids[1]}/cancel`, me);
    const get = async (query: string) => (await app.fetch(`/api/reports?${query}`, { cookie: me })).json();

    const all = await get("");
    expect(all.items.map((r: { id: string }) => r.id)).toEqual([...ids].reverse());
    expect((await get("status=cancelled")).items.map((r: { id: string }) => r.id)).toEqual([ids[1]]);

    const first = await get("limit=2");
    expect(first.items).toHaveLength(2);
    const second = await get(`limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();

    const bad = await app.fetch("/api/reports?email=someone@example.com&status=lost", { cookie: me });
    expect(bad.status).toBe(400);
    expect((await bad.json()).issues.map((i: { path: string }) => i.path).sort()).toEqual(["email", "status"]);
  });
});
