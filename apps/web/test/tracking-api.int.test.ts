// The tracking API as Next calls it, on a scratch database and real Redis:
// the SSE stream (snapshot, history, live updates, Last-Event-ID resume),
// cancel/retry answers, and "My reports" listing.
import { createPrismaClient, transitionReport, type PrismaClient } from "@backline/db";
import { createScratchDatabase, uniqueQueuePrefix, type ScratchDatabase } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Ctx = { params: Promise<{ id: string }> };
type Handler = (r: Request, ctx: Ctx) => Promise<Response>;
let scratch: ScratchDatabase;
let db: PrismaClient;
let post: (r: Request) => Promise<Response>;
let list: (r: Request) => Promise<Response>;
let events: Handler;
let cancel: Handler;
let retry: Handler;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  Object.assign(process.env, { DATABASE_URL: scratch.url, QUEUE_PREFIX: uniqueQueuePrefix("web-tracking"), APP_URL: "http://app.test" });
  db = createPrismaClient(scratch.url);
  ({ POST: post, GET: list } = await import("../app/api/reports/route.ts"));
  ({ GET: events } = (await import("../app/api/reports/[id]/events/route.ts")) as never);
  ({ POST: cancel } = (await import("../app/api/reports/[id]/cancel/route.ts")) as never);
  ({ POST: retry } = (await import("../app/api/reports/[id]/retry/route.ts")) as never);
});

afterAll(async () => {
  const { reportsQueue } = await import("../lib/server/queue.ts");
  await reportsQueue().obliterate({ force: true });
  await reportsQueue().close();
  const { publisher } = await import("../lib/server/reports.ts");
  publisher().disconnect();
  const { db: webDb } = await import("../lib/server/db.ts");
  await webDb().$disconnect();
  await db.$disconnect();
  await scratch.drop();
});

const ctx = (id: string): Ctx => ({ params: Promise.resolve({ id }) });
async function create(email = "ana@example.com") {
  const response = await post(new Request("http://app.test/api/reports", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "sales-summary", email }) }));
  return ((await response.json()) as { id: string }).id;
}

type Frame = { event: string; id?: string; data: unknown };

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
        buffer += decoder.decode(chunk.value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split("\n").filter((l) => l && !l.startsWith(":"));
          const fields = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
          if (fields.data !== undefined) frames.push({ event: fields.event ?? "message", id: fields.id, data: JSON.parse(fields.data) });
        }
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
    const response = await events(new Request(`http://app.test/api/reports/${id}/events`, { signal: abort.signal }), ctx(id));
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const stream = sseReader(response);
    const first = await stream.take(2);
    expect(first.map((f) => f.event)).toEqual(["snapshot", "history"]);
    expect(first[0]!.data).toMatchObject({ id, status: "queued" });
    expect(first[1]!.data).toMatchObject({ status: "queued", message: "Request accepted" });

    // A change made elsewhere (here: cancel) arrives live.
    const cancelled = await cancel(new Request(`http://app.test/api/reports/${id}/cancel`, { method: "POST" }), ctx(id));
    expect(cancelled.status).toBe(200);
    const live = await stream.take(2);
    expect(live.map((f) => f.event)).toEqual(["update", "history"]);
    expect((live[0]!.data as { report: { status: string } }).report.status).toBe("cancelled");
    abort.abort();
    await stream.close();

    // Reconnecting with Last-Event-ID resumes after it: only the cancel event is new.
    const resume = sseReader(await events(new Request(`http://app.test/api/reports/${id}/events`, { headers: { "Last-Event-ID": first[1]!.id! } }), ctx(id)));
    const resumed = await resume.take(3, 2000);
    expect(resumed.map((f) => f.event)).toEqual(["snapshot", "history"]);
    expect(resumed[1]!.data).toMatchObject({ status: "cancelled" });
    await resume.close();
  });

  it("answers 404 for unknown reports", async () => {
    const unknown = "018f0000-0000-7000-8000-000000000000";
    expect((await events(new Request("http://app.test/x"), ctx(unknown))).status).toBe(404);
    expect((await events(new Request("http://app.test/x"), ctx("nope"))).status).toBe(404);
  });
});

describe("POST /api/reports/:id/cancel and /retry", () => {
  it("answer 409 with a reason for a status that doesn't allow them, 404 for unknown ids", async () => {
    const id = await create();
    const conflict = await retry(new Request("http://app.test/x", { method: "POST" }), ctx(id));
    expect(conflict.status).toBe(409);
    expect((await conflict.json()).error).toMatch(/queued report can't be retried/);

    await transitionReport(db, id, "generating", { message: "start" });
    await transitionReport(db, id, "emailing", { message: "pdf" });
    await transitionReport(db, id, "sent", { message: "sent" });
    const late = await cancel(new Request("http://app.test/x", { method: "POST" }), ctx(id));
    expect(late.status).toBe(409);
    expect((await late.json()).error).toMatch(/sent report can't be cancelled/);

    expect((await cancel(new Request("http://app.test/x", { method: "POST" }), ctx("018f0000-0000-7000-8000-000000000000"))).status).toBe(404);
  });

  it("retry puts a cancelled report back in the queue under the same id", async () => {
    const id = await create();
    expect((await cancel(new Request("http://app.test/x", { method: "POST" }), ctx(id))).status).toBe(200);
    const retried = await retry(new Request("http://app.test/x", { method: "POST" }), ctx(id));
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ id, status: "queued", progress: 0 });
    const { reportsQueue } = await import("../lib/server/queue.ts");
    expect((await reportsQueue().getJob(id))?.data).toEqual({ reportId: id });
  });
});

describe("GET /api/reports (My reports)", () => {
  it("lists one address's reports newest first, filtered, a page at a time", async () => {
    const email = `list-${Date.now()}@example.com`;
    const ids = [await create(email), await create(email), await create(email)];
    await cancel(new Request("http://app.test/x", { method: "POST" }), ctx(ids[1]!));
    const get = async (query: string) => (await list(new Request(`http://app.test/api/reports?${query}`))).json();

    const all = await get(`email=${email}`);
    expect(all.items.map((r: { id: string }) => r.id)).toEqual([...ids].reverse());
    expect((await get(`email=${email}&status=cancelled`)).items.map((r: { id: string }) => r.id)).toEqual([ids[1]]);

    const first = await get(`email=${email}&limit=2`);
    expect(first.items).toHaveLength(2);
    const second = await get(`email=${email}&limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();

    const bad = await list(new Request("http://app.test/api/reports?email=nope&status=lost"));
    expect(bad.status).toBe(400);
    expect((await bad.json()).issues.map((i: { path: string }) => i.path).sort()).toEqual(["email", "status"]);
  });
});
