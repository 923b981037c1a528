// GET /api/reports/:id/events — Server-Sent Events for one report (better-sse).
// On connect: a `snapshot` of the report, then every history event after the
// client's Last-Event-ID (all of them on first connect). Then live: `update`
// ({report, publishedAt}) for each change and `history` for each new event, whose SSE id is the event
// id, so a reconnecting browser resumes exactly where it left off. Every frame
// carries the id of the last history event sent, so the browser's Last-Event-ID
// is always one.
//
// A stream is bounded (lib/server/stream-limits.ts: per account and per
// process) and ends by itself:
// - once its report is final, right after sending that state;
// - within STREAM_SESSION_CHECK_SECONDS of its session ending (signed out,
//   expired): the session is re-checked that often, one query each;
// - after STREAM_MAX_LIFETIME_SECONDS (less up to 10 %, so streams opened
//   together don't all come back together). The browser then reconnects on its
//   own, is signed in again by this route like any request, and resumes from
//   its Last-Event-ID after re-reading the report.
import { toEventView, toReportView, type Actor, type ReportUpdate } from "@backline/report-service";
import { Connection, createResponse } from "better-sse";
import { isFinal } from "@/lib/report-status";
import { webEnv } from "@/lib/server/env";
import { withVisibleReport } from "@/lib/server/report-route";
import { reportService, updateHub } from "@/lib/server/reports";
import { apiActor } from "@/lib/server/session";
import { openStreamSlot, type StreamSlot } from "@/lib/server/stream-limits";

export const dynamic = "force-dynamic";

export async function GET(request: Request, ctx: RouteContext<"/api/reports/[id]/events">) {
  return withVisibleReport(request, (await ctx.params).id, async ({ id }, actor) => {
    const taken = await openStreamSlot(actor.userId);
    if ("response" in taken) return taken.response;
    try {
      return stream(request, id, actor, taken.slot);
    } catch (err) {
      await taken.slot.release();
      throw err;
    }
  });
}

function stream(request: Request, id: string, actor: Actor, slot: StreamSlot) {
  const env = webEnv();
  // The stream ends when the browser goes away (the request is aborted or the
  // body cancelled) or when we end it. better-sse only ever sees `closer`,
  // aborted once its session has started, and writes through StreamConnection,
  // which never writes to a closed stream: better-sse's own Fetch connection
  // does when a client disconnects at once, and that crashes Node (an internal
  // assertion, not an error event) — a client must not be able to take the
  // process down.
  const closer = new AbortController();
  let started = false;
  let unsubscribe: (() => Promise<void>) | null = null;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(sessionCheck);
    clearTimeout(lifetime);
    void slot.release();
    void unsubscribe?.();
    if (started) closer.abort();
  };
  let checking = false;
  const sessionCheck = setInterval(() => {
    if (checking || ended) return;
    checking = true;
    // The session, or the API token, still live (a revoked token ends the stream too).
    apiActor(request)
      .then(
        (now) => ("actor" in now && now.actor.userId === actor.userId ? slot.renew() : end()),
        // The database is unreachable: nobody can sign out meanwhile either, so keep the stream.
        () => slot.renew(),
      )
      .finally(() => (checking = false));
  }, env.STREAM_SESSION_CHECK_SECONDS * 1000);
  const lifetime = setTimeout(end, env.STREAM_MAX_LIFETIME_SECONDS * 1000 * (0.9 + Math.random() * 0.1));
  if (request.signal.aborted) end();
  else request.signal.addEventListener("abort", end, { once: true });

  // no-transform: Next would otherwise gzip the stream, costing about twice the
  // memory per open page and a few ms per update.
  const headers = { "Cache-Control": "no-store, no-transform", "X-Accel-Buffering": "no" };
  const connection = new StreamConnection(new Request(request, { signal: closer.signal }), headers, end);
  return createResponse(connection, { keepAlive: 15_000 }, async (session) => {
    started = true;
    if (ended) return closer.abort();
    const given = /^\d{1,18}$/.test(session.lastId) ? BigInt(session.lastId) : 0n;
    let lastEventId = given;
    const cursor = () => lastEventId.toString();
    // Live updates that arrive before the catch-up read is done wait here, so
    // nothing is missed and nothing is sent twice.
    let pending: ReportUpdate[] | null = [];
    const send = (update: ReportUpdate) => {
      if (!session.isConnected || ended) return;
      session.push({ report: update.report, publishedAt: update.publishedAt }, "update", cursor());
      if (update.event && BigInt(update.event.id) > lastEventId) {
        lastEventId = BigInt(update.event.id);
        session.push(update.event, "history", update.event.id);
      }
      if (isFinal(update.report.status)) end();
    };
    try {
      const off = await updateHub().subscribe(id, (update) => (pending ? pending.push(update) : send(update)));
      if (ended) return void off();
      unsubscribe = off;

      const found = await reportService().since(id, actor, given);
      if (!found) return end(); // removed meanwhile (its owner was deleted)
      const { report, events } = found;
      if (!session.isConnected || ended) return;
      session.push(toReportView(report), "snapshot", cursor());
      for (const event of events) {
        lastEventId = event.id;
        session.push(toEventView(event), "history", event.id.toString());
      }
      const queued = pending;
      pending = null;
      for (const update of queued) send(update);
      // Final already: the snapshot and its history were all there is to say.
      if (isFinal(report.status)) end();
    } catch (err) {
      console.error(`[events] stream for report ${id} ended: ${(err as Error).message?.split("\n")[0]}`);
      end();
    }
  });
}

/**
 * better-sse's Fetch connection, made safe for clients that vanish: no write
 * after close, a failed write or close is swallowed (not an unhandled
 * rejection), and a body cancelled by the server's HTTP layer counts as the
 * client leaving (`onGone`).
 */
class StreamConnection extends Connection {
  private static readonly encoder = new TextEncoder();
  readonly url: URL;
  readonly request: Request;
  readonly response: Response;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private closed = false;

  constructor(request: Request, headers: Record<string, string>, onGone: () => void) {
    super();
    this.url = new URL(request.url);
    this.request = request;
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    this.writer = writable.getWriter();
    this.writer.closed.catch(() => {
      this.closed = true;
      onGone();
    });
    this.response = new Response(readable, { status: Connection.constants.RESPONSE_CODE, headers: Connection.constants.RESPONSE_HEADERS });
    Connection.applyHeaders(headers, this.response.headers);
  }

  sendHead = () => {};

  sendChunk = (chunk: string) => {
    if (this.closed) return;
    this.writer.write(StreamConnection.encoder.encode(chunk)).catch(() => {});
  };

  cleanup = () => {
    if (this.closed) return;
    this.closed = true;
    this.writer.close().catch(() => {});
  };
}
