"use client";
// Live status of one report: progress, stage, queue position and ETA, the
// event timeline, and the actions that fit its status. Changes are announced
// to screen readers through the status sentence (aria-live).
import Link from "next/link";
import { Fragment, useEffect, useState } from "react";
import {
  STATUS_LABELS,
  canCancel,
  canRetry,
  isDownloadable,
  isFinal,
  type ReportEventView,
  type ReportStatusResponse,
  type ReportView,
} from "@/lib/report-status";
import { useReportStream } from "./use-report-stream";
import { UtcTime } from "./utc-time";

interface Props {
  initial: ReportView;
  initialEvents: ReportEventView[];
  params: { label: string; value: string }[];
  /** Server-rendered sections shown after the details (the downloads record). */
  children?: React.ReactNode;
}

export function ReportStatusView({ initial, initialEvents, params, children }: Props) {
  const { report, events, connection, accept } = useReportStream(initial, initialEvents);
  const now = useNow(!isFinal(report.status));
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);

  async function act(action: "cancel" | "retry") {
    setBusy(true);
    setActionError(null);
    try {
      const response = await fetch(`/api/reports/${report.id}/${action}`, { method: "POST" });
      const body = await response.json();
      if (response.ok) accept(body as ReportView);
      else setActionError(body.error ?? `The server answered ${response.status}`);
    } catch {
      setActionError("Could not reach Backline; try again.");
    }
    setBusy(false);
  }

  const percent = isDownloadable(report.status) ? 100 : report.progress;
  const elapsed = report.startedAt ? (Date.parse(report.finishedAt ?? "") || now) - Date.parse(report.startedAt) : null;

  return (
    <div className="stack">
      <div>
        <p className="muted" style={{ margin: 0 }}>
          Report
        </p>
        <h1>{report.title}</h1>
      </div>
      <section className="card stack" aria-labelledby="status-heading">
        <div className="status-head">
          <h2 id="status-heading" className="card-title">
            Status
          </h2>
          <span className="badge" data-status={report.status} data-testid="report-status">
            {STATUS_LABELS[report.status]}
          </span>
        </div>
        <div
          className="progress"
          role="progressbar"
          aria-label="Progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          data-status={report.status}
        >
          <div style={{ width: `${percent}%` }} />
        </div>
        <p role="status" aria-live="polite" className="status-line">
          {statusSentence(report)}
        </p>
        <p className="muted facts" data-testid="report-facts">
          {facts(report, elapsed).join(" · ")}
        </p>
        {report.status === "failed" && report.failureReason && (
          <div className="alert error">
            <strong>Why it failed:</strong> {report.failureReason}
          </div>
        )}
        {connection !== "live" && !isFinal(report.status) && (
          <p className="muted">{connection === "polling" ? "Live updates unavailable; checking every few seconds." : "Reconnecting…"}</p>
        )}
        {actionError && (
          <div className="alert error" role="alert">
            {actionError}
          </div>
        )}
        <div className="actions">
          {report.downloadUrl && (
            <a className="button" href={report.downloadUrl} download>
              Download PDF
            </a>
          )}
          {canCancel(report.status) && (
            <button className="button secondary" type="button" onClick={() => act("cancel")} disabled={busy}>
              Cancel report
            </button>
          )}
          {canRetry(report.status) && (
            <button className="button" type="button" onClick={() => act("retry")} disabled={busy}>
              Retry
            </button>
          )}
        </div>
      </section>

      <section className="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading" className="card-title">
          Timeline
        </h2>
        <ol className="timeline" data-testid="timeline">
          {events.map((event) => (
            <li key={event.id} data-status={event.status}>
              <time dateTime={event.at}>{formatTime(event.at)}</time>
              <span className="timeline-status">{STATUS_LABELS[event.status]}</span>
              <span className="timeline-message">{event.message}</span>
              {event.attempt > 0 && <span className="muted timeline-meta">attempt {event.attempt}</span>}
            </li>
          ))}
        </ol>
      </section>

      <section className="card" aria-labelledby="details-heading">
        <h2 id="details-heading" className="card-title">
          Details
        </h2>
        <dl className="meta">
          <dt>Report id</dt>
          <dd>
            <code>{report.id}</code>
          </dd>
          {params.map(({ label, value }) => (
            <Fragment key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </Fragment>
          ))}
          <dt>Requested</dt>
          <dd>
            <UtcTime at={new Date(report.createdAt)} />
          </dd>
        </dl>
      </section>
      {children}
      <p>
        <Link href="/">Generate another report</Link> ·{" "}
        <Link href={`/schedules/new?${new URLSearchParams({ type: report.type, params: JSON.stringify(report.params) })}`}>Schedule this report</Link> ·{" "}
        {report.scheduleId && (
          <>
            <Link href={`/schedules/${report.scheduleId}`}>Its schedule</Link> ·{" "}
          </>
        )}
        <Link href="/reports">My reports</Link>
      </p>
    </div>
  );
}

/** Re-renders every second while something is running, for the elapsed time. */
function useNow(ticking: boolean) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

function statusSentence(report: ReportStatusResponse): string {
  switch (report.status) {
    case "queued":
      return report.attempts > 0 ? "Waiting for a worker to try again." : "Waiting for a worker to pick it up.";
    case "generating":
      return `${report.stage ?? "Generating"} — ${report.progress}%`;
    case "emailing":
      return "The PDF is ready; sending the email.";
    case "sent":
      return "Done. The report is in your inbox.";
    case "failed":
      return "The report could not be generated.";
    case "cancelled":
      return "The report was cancelled.";
    case "skipped":
      return "Skipped: there was no data for this run, and its schedule skips empty reports. Nothing was sent.";
  }
}

/** Only what can be said honestly: position and ETA when known, elapsed time, pages. */
function facts(report: ReportStatusResponse, elapsedMs: number | null): string[] {
  const out: string[] = [];
  if (report.status === "queued" && report.queue) {
    out.push(`${ordinal(report.queue.position)} in line`);
    if (report.queue.etaSeconds !== null) out.push(`done in about ${duration(report.queue.etaSeconds * 1000)}`);
  }
  if (report.status === "generating" && elapsedMs !== null && report.progress >= 15 && elapsedMs >= 2000) {
    // Remaining time from the rate so far; only once there is a rate to speak of.
    out.push(`about ${duration((elapsedMs * (100 - report.progress)) / report.progress)} left`);
  }
  if (elapsedMs !== null) out.push(`${isFinal(report.status) ? "took" : "running for"} ${duration(elapsedMs)}`);
  if (report.pageCount !== null) out.push(`${report.pageCount} pages`);
  if (report.attempts > 1) out.push(`attempt ${report.attempts}`);
  return out;
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : (({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th");
  return `${n}${suffix}`;
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function formatTime(iso: string): string {
  return new Date(iso).toISOString().slice(11, 19) + " UTC";
}
