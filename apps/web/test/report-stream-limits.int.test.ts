// Live streams (/api/reports/:id/events) can't pile up and don't outlive their
// welcome: per-account cap (shared through Redis) → 429, per-process cap →
// 503, a maximum lifetime after which a reconnect with Last-Event-ID resumes,
// an end within seconds of sign-out, and an end once the report is final.
// Real route handlers, scratch database, real Redis; short settings.
import { createHash } from "node:crypto";
import { transitionReport } from "@backline/db";
import { waitUntil } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { takeFrames, type Frame } from "./sse-frames.ts";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

const LIFETIME_S = 4;
const CHECK_S = 1;
let app: WebApp;
let ana: string;
beforeAll(async () => {
  app = await startWebApp({
    MAX_STREAMS_PER_USER: "2",
    MAX_STREAMS_PER_PROCESS: "4",
    STREAM_MAX_LIFETIME_SECONDS: String(LIFETIME_S),
    STREAM_SESSION_CHECK_SECONDS: String(CHECK_S),
    // This file makes many reports for one account; the request limits are not what it tests.
    REPORTS_PER_USER_PER_MINUTE: "1000",
    MAX_REPORTS_IN_FLIGHT_PER_USER: "1000",
  });
  ana = await app.signIn("ana@example.com");
});
afterAll(() => app?.close());

async function create(cookie = ana) {
  const response = await app.fetch("/api/reports", { method: "POST", cookie, json: { type: "sales-summary" } });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

/** An open stream: its frames as they come, and when (if) the server ended it. */
async function open(id: string, cookie = ana, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await app.fetch(`/api/reports/${id}/events`, { signal: abort.signal, cookie, headers });
  const frames: Frame[] = [];
  let endedAt: number | null = null;
  const done =
    response.status === 200
      ? (async () => {
          const reader = response.body!.getReader();
          const decoder = new TextDecoder();
          let buffer = "";
          for (;;) {
            const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
            if (chunk.done) break;
            buffer = takeFrames(buffer + decoder.decode(chunk.value, { stream: true }), frames);
          }
          endedAt = Date.now();
        })()
      : Promise.resolve();
  return {
    response,
    frames,
    endedAt: () => endedAt,
    /** Resolves true when the server ends the stream within `ms`. */
    ended: (ms: number) => Promise.race([done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]),
    frame: async (event: string, ms = 5000) => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const found = frames.find((f) => f.event === event);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no ${event} frame within ${ms} ms (got ${frames.map((f) => f.event).join(", ")})`);
    },
    close: async () => {
      abort.abort();
      await done;
    },
  };
}

const streamKey = (userId: string) => `${app.prefix}:streams:${createHash("sha256").update(userId).digest("base64url").slice(0, 22)}`;

describe("live stream caps", () => {
  it("allows MAX_STREAMS_PER_USER per account, across processes (Redis leases), then 429 with Retry-After", async () => {
    const id = await create();
    const a = await open(id);
    const b = await open(id);
    expect([a.response.status, b.response.status]).toEqual([200, 200]);
    await a.frame("snapshot");
    await b.frame("snapshot");

    const refused = await open(id);
    expect(refused.response.status).toBe(429);
    expect(Number(refused.response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await refused.response.json()).error).toMatch(/at most 2 at once/);

    // Closing one frees its slot at once.
    await a.close();
    const c = await open(id);
    expect(c.response.status).toBe(200);
    await c.close();
    await b.close();

    // The count lives in Redis, so another web process's streams count too: a lease of "another process" fills the cap.
    const userId = (await app.db.user.findFirstOrThrow({ where: { email: "ana@example.com" } })).id;
    const { publisher } = await import("../lib/server/reports.ts");
    const redis = publisher();
    const time = await redis.time();
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    await redis.zadd(streamKey(userId), now + 60_000, "other-process-1", now + 60_000, "other-process-2");
    expect((await open(id)).response.status).toBe(429);
    // …and a lease that lapsed (its process died) no longer counts.
    await redis.zadd(streamKey(userId), now - 1, "other-process-1", now - 1, "other-process-2");
    const d = await open(id);
    expect(d.response.status).toBe(200);
    await d.close();
    await redis.del(streamKey(userId));
  });

  it("keeps an open stream's lease alive at each session check, and drops it on close", async () => {
    const id = await create();
    const userId = (await app.db.user.findFirstOrThrow({ where: { email: "ana@example.com" } })).id;
    const { publisher } = await import("../lib/server/reports.ts");
    const s = await open(id);
    await s.frame("snapshot");
    const [lease, first] = (await publisher().zrange(streamKey(userId), 0, -1, "WITHSCORES")) as [string, string];
    // The next session check renews the same lease (a later expiry).
    await waitUntil(
      async () => {
        const [sameLease, later] = (await publisher().zrange(streamKey(userId), 0, -1, "WITHSCORES")) as [string, string];
        return sameLease === lease && Number(later) > Number(first);
      },
      { what: "the lease renewed at a session check", timeoutMs: CHECK_S * 1000 + 10_000 },
    );
    await s.close();
    await waitUntil(async () => (await publisher().zcard(streamKey(userId))) === 0, { what: "the lease dropped on close" });
  });

  it("answers 503 beyond MAX_STREAMS_PER_PROCESS, whoever asks", async () => {
    const others = [await app.signIn("bo@example.com"), await app.signIn("cy@example.com")];
    const streams = [];
    for (const cookie of others) {
      const id = await create(cookie);
      streams.push(await open(id, cookie), await open(id, cookie));
    }
    expect(streams.map((s) => s.response.status)).toEqual([200, 200, 200, 200]);
    const id = await create();
    const full = await open(id);
    expect(full.response.status).toBe(503);
    expect(full.response.headers.get("retry-after")).toBeTruthy();
    await Promise.all(streams.map((s) => s.close()));
    const again = await open(id);
    expect(again.response.status).toBe(200);
    await again.close();
  });
});

describe("a stream ends by itself", () => {
  it("when the browser goes away at once (before the stream started): no crash, the slot is free again", async () => {
    const { openStreams } = await import("../lib/server/stream-limits.ts");
    const id = await create();
    for (let i = 0; i < 5; i++) await (await open(id)).close(); // abort right after the answer, before better-sse's first write
    const gone = await app.fetch(`/api/reports/${id}/events`, { cookie: ana, signal: AbortSignal.abort() }); // gone before we answer
    expect(gone.status).toBe(200);
    await gone.body?.cancel();
    // A body the HTTP layer cancels (the socket went away) frees the slot too, without an abort.
    const read = await app.fetch(`/api/reports/${id}/events`, { cookie: ana });
    const reader = read.body!.getReader();
    await reader.read();
    expect(openStreams()).toBe(1);
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 100));
    expect(openStreams()).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(openStreams()).toBe(0);
    const s = await open(id);
    expect(s.response.status).toBe(200);
    await s.close();
  });

  it("after STREAM_MAX_LIFETIME_SECONDS; a reconnect with the last frame's id re-reads the state and resumes after it", async () => {
    const id = await create();
    const started = Date.now();
    const s = await open(id);
    await s.frame("history");
    expect(await s.ended((LIFETIME_S + 2) * 1000)).toBe(true);
    const lived = s.endedAt()! - started;
    expect(lived).toBeGreaterThanOrEqual(LIFETIME_S * 900 - 100);
    // Every frame's id is the last history event's id, so the browser's Last-Event-ID is one (not a random id that replays everything).
    const ids = s.frames.map((f) => f.id);
    expect(ids.every((i) => /^\d+$/.test(i ?? ""))).toBe(true);

    // What the browser does next: reconnect with the last id it saw; the change made meanwhile arrives, nothing twice.
    await transitionReport(app.db, id, "generating", { message: "Attempt started", newAttempt: true });
    const back = await open(id, ana, { "Last-Event-ID": ids.at(-1)! });
    expect(back.response.status).toBe(200);
    const snapshot = await back.frame("snapshot");
    expect(snapshot.data).toMatchObject({ id, status: "generating" });
    const history = await back.frame("history");
    expect(history.data).toMatchObject({ status: "generating", message: "Attempt started" });
    await new Promise((r) => setTimeout(r, 200));
    expect(back.frames.filter((f) => f.event === "history")).toHaveLength(1);
    await back.close();
  });

  it("within a few seconds of sign-out, and the reconnect is refused", async () => {
    const cookie = await app.signIn("dee@example.com");
    const id = await create(cookie);
    const s = await open(id, cookie);
    await s.frame("snapshot");
    const out = await app.fetch("/api/auth/sign-out", { method: "POST", headers: { origin: APP_URL }, cookie, json: {} });
    expect(out.status).toBe(200);
    const signedOutAt = Date.now();
    expect(await s.ended(CHECK_S * 1000 + 1500)).toBe(true);
    expect(s.endedAt()! - signedOutAt).toBeLessThan(LIFETIME_S * 900 - 500); // the session check ended it, not the lifetime
    expect((await open(id, cookie)).response.status).toBe(401);
  });

  it("once its report is final, right after sending the final state", async () => {
    const id = await create();
    const s = await open(id);
    expect(s.response.status).toBe(200);
    await s.frame("history");
    const cancelled = await app.fetch(`/api/reports/${id}/cancel`, { method: "POST", cookie: ana });
    expect(cancelled.status).toBe(200);
    expect(await s.ended(2000)).toBe(true);
    expect((s.frames.find((f) => f.event === "update")!.data as { report: { status: string } }).report.status).toBe("cancelled");
    expect(s.frames.at(-1)).toMatchObject({ event: "history", data: { status: "cancelled" } });

    // Opening a final report's stream: the snapshot and history, then the end.
    const late = await open(id);
    expect(await late.ended(2000)).toBe(true);
    expect(late.frames.map((f) => f.event)).toEqual(["snapshot", "history", "history"]);
  });
});
