"use client";
// Keeps a report and its history current: Server-Sent Events first, polling
// when EventSource is missing or keeps failing.
// The server ends a stream on its own — at its maximum lifetime, when the
// report is final, when the session ends. The browser then reconnects by
// itself with Last-Event-ID (every frame carries the last history event's id),
// is signed in again like any request, and gets a fresh snapshot plus the
// history after that id. A reconnect the server refuses (signed out: 401; too
// many streams: 429/503) closes the EventSource for good: we poll instead and
// try live updates again later. A 401 while polling reloads the page, which
// sends a signed-out visitor to sign in.
import { useCallback, useEffect, useState } from "react";
import { isFinal, type ReportEventView, type ReportStatusResponse, type ReportView } from "@/lib/report-status";

const POLL_MS = 2000;
const FAILURES_BEFORE_POLLING = 3;
/** After falling back to polling, how long before trying live updates again. */
const LIVE_AGAIN_MS = 60_000;

export type Connection = "live" | "polling" | "reconnecting";

export function useReportStream(initial: ReportView, initialEvents: ReportEventView[]) {
  const [report, setReport] = useState<ReportStatusResponse>(initial);
  const [events, setEvents] = useState(initialEvents);
  const [connection, setConnection] = useState<Connection>("live");
  // Which transport runs; `connection` is only what the page says about it, so showing "Reconnecting…" never restarts the stream.
  const [transport, setTransport] = useState<"sse" | "polling">("sse");
  const final = isFinal(report.status);

  // Newer states only: a late message must not move the page backwards.
  // Stable: they only hand functions to the state setters.
  const accept = useCallback(
    (next: ReportStatusResponse) => setReport((current) => (next.updatedAt >= current.updatedAt ? { ...current, ...next } : current)),
    [],
  );
  const addEvent = useCallback((event: ReportEventView) => setEvents((list) => (list.some((e) => e.id === event.id) ? list : [...list, event])), []);

  useEffect(() => {
    if (final || transport === "polling") return;
    const toPolling = () => {
      setTransport("polling");
      setConnection("polling");
    };
    if (typeof EventSource === "undefined") return toPolling();
    const source = new EventSource(`/api/reports/${initial.id}/events`);
    let failures = 0;
    source.addEventListener("open", () => setConnection("live"));
    source.addEventListener("snapshot", (e) => {
      failures = 0;
      setConnection("live");
      accept(JSON.parse(e.data) as ReportView);
    });
    source.addEventListener("update", (e) => accept((JSON.parse(e.data) as { report: ReportView }).report));
    source.addEventListener("history", (e) => addEvent(JSON.parse(e.data) as ReportEventView));
    source.addEventListener("error", () => {
      failures += 1;
      // CLOSED: the server refused the (re)connection; the browser won't try again by itself.
      if (source.readyState === EventSource.CLOSED || failures >= FAILURES_BEFORE_POLLING) {
        source.close();
        toPolling();
      } else setConnection("reconnecting");
    });
    return () => source.close();
    // Reconnect only when the report's life starts over (retry) or the transport changes.
  }, [initial.id, final, transport, accept, addEvent]);

  // Polling is the fallback, not the destination: try live updates again after a while.
  useEffect(() => {
    if (final || transport !== "polling" || typeof EventSource === "undefined") return;
    const timer = setTimeout(() => setTransport("sse"), LIVE_AGAIN_MS);
    return () => clearTimeout(timer);
  }, [final, transport]);

  // Polling: the fallback transport (with the history since the last event
  // we have), and the queue position while queued. Each answer schedules the next.
  const [polls, setPolls] = useState(0);
  const polling = !final && (transport === "polling" || report.status === "queued");
  const lastEventId = events.at(-1)?.id ?? "0";
  // biome-ignore lint/correctness/useExhaustiveDependencies: `polls` is the trigger: each answer bumps it to schedule the next poll.
  useEffect(() => {
    if (!polling) return;
    let cancelled = false;
    const timer = setTimeout(async () => {
      try {
        const response = await fetch(`/api/reports/${initial.id}?sinceEvent=${lastEventId}`, { cache: "no-store" });
        // Signed out (here or in another tab): the page itself sends us to sign in.
        if (response.status === 401 && !cancelled) return window.location.reload();
        if (response.ok && !cancelled) {
          const body = (await response.json()) as ReportStatusResponse;
          accept(body);
          body.events?.forEach(addEvent);
        }
      } catch {
        // try again next time
      }
      if (!cancelled) setPolls((n) => n + 1);
    }, POLL_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [polling, polls, lastEventId, initial.id, accept, addEvent]);

  // Once final the stream closes; one last read makes sure the timeline has
  // the closing event even if the stream closed before it arrived.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only on the transition to final, not on every new event.
  useEffect(() => {
    if (!final) return;
    fetch(`/api/reports/${initial.id}?sinceEvent=${lastEventId}`, { cache: "no-store" })
      .then((r) => (r.ok ? (r.json() as Promise<ReportStatusResponse>) : null))
      .then((body) => body?.events?.forEach(addEvent))
      .catch(() => {});
  }, [final]);

  return { report, events, connection, accept };
}
