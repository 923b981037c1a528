"use client";
// Keeps a report and its history current: Server-Sent Events first (the
// browser reconnects by itself and resumes from the last event id); polling
// when EventSource is missing or keeps failing.
import { useEffect, useState } from "react";
import { isFinal, type ReportEventView, type ReportStatusResponse, type ReportView } from "@/lib/report-view";

const POLL_MS = 2000;
const FAILURES_BEFORE_POLLING = 3;

export type Connection = "live" | "polling" | "reconnecting";

export function useReportStream(initial: ReportView, initialEvents: ReportEventView[]) {
  const [report, setReport] = useState<ReportStatusResponse>(initial);
  const [events, setEvents] = useState(initialEvents);
  const [connection, setConnection] = useState<Connection>("live");
  const final = isFinal(report.status);

  // Newer states only: a late message must not move the page backwards.
  const accept = (next: ReportStatusResponse) => setReport((current) => (next.updatedAt >= current.updatedAt ? { ...current, ...next } : current));
  const addEvent = (event: ReportEventView) => setEvents((list) => (list.some((e) => e.id === event.id) ? list : [...list, event]));

  useEffect(() => {
    if (final || connection === "polling") return;
    if (typeof EventSource === "undefined") return setConnection("polling");
    const source = new EventSource(`/api/reports/${initial.id}/events`);
    let failures = 0;
    source.addEventListener("open", () => setConnection("live"));
    source.addEventListener("snapshot", (e) => {
      failures = 0;
      accept(JSON.parse(e.data) as ReportView);
    });
    source.addEventListener("update", (e) => accept((JSON.parse(e.data) as { report: ReportView }).report));
    source.addEventListener("history", (e) => addEvent(JSON.parse(e.data) as ReportEventView));
    source.addEventListener("error", () => {
      failures += 1;
      if (failures >= FAILURES_BEFORE_POLLING) {
        source.close();
        setConnection("polling");
      } else setConnection("reconnecting");
    });
    return () => source.close();
    // Reconnect only when the report's life starts over (retry) or the transport changes.
  }, [initial.id, final, connection]);

  // Polling: the fallback transport (with the history since the last event
  // we have), and the queue position while queued. Each answer schedules the next.
  const [polls, setPolls] = useState(0);
  const polling = !final && (connection === "polling" || report.status === "queued");
  const lastEventId = events.at(-1)?.id ?? "0";
  useEffect(() => {
    if (!polling) return;
    let cancelled = false;
    const timer = setTimeout(async () => {
      try {
        const response = await fetch(`/api/reports/${initial.id}?sinceEvent=${lastEventId}`, { cache: "no-store" });
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
  }, [polling, polls, lastEventId, initial.id]);

  // Once final the stream closes; one last read makes sure the timeline has
  // the closing event even if the stream closed before it arrived.
  useEffect(() => {
    if (!final) return;
    fetch(`/api/reports/${initial.id}?sinceEvent=${lastEventId}`, { cache: "no-store" })
      .then((r) => (r.ok ? (r.json() as Promise<ReportStatusResponse>) : null))
      .then((body) => body?.events?.forEach(addEvent))
      .catch(() => {});
    // Only on the transition to final, not on every new event.
  }, [final]);

  return { report, events, connection, accept };
}
