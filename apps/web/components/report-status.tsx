"use client";
// Live status of one report. Polls the status API until the report is final;
// the announcement region tells screen readers when the status changes.
import Link from "next/link";
import { Fragment, useEffect, useState } from "react";
import { STATUS_LABELS, isFinal, type ReportView } from "@/lib/report-view";

const POLL_MS = 1000;

export function ReportStatusView({ initial, params }: { initial: ReportView; params: { label: string; value: string }[] }) {
  const [report, setReport] = useState(initial);
  // Consecutive failed polls: > 0 means what we show may be out of date.
  const [failures, setFailures] = useState(0);

  // One poll per render cycle: each answer (or failure) schedules the next.
  useEffect(() => {
    if (isFinal(report.status)) return;
    let cancelled = false;
    const timer = setTimeout(async () => {
      try {
        const response = await fetch(`/api/reports/${report.id}`, { cache: "no-store" });
        if (!response.ok) throw new Error(String(response.status));
        const next = (await response.json()) as ReportView;
        if (!cancelled) {
          setReport(next);
          setFailures(0);
        }
      } catch {
        if (!cancelled) setFailures((n) => n + 1);
      }
    }, POLL_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [report, failures]);

  const label = STATUS_LABELS[report.status];
  const percent = report.status === "sent" || report.status === "emailing" ? 100 : report.progress;

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
          <h2 id="status-heading" style={{ margin: 0, fontSize: "1.1rem" }}>
            Status
          </h2>
          <span className="badge" data-status={report.status} data-testid="report-status">
            {label}
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
        <p role="status" aria-live="polite" style={{ margin: 0 }}>
          {describe(report)}
        </p>
        {report.status === "failed" && report.failureReason && (
          <div className="alert error">
            <strong>Why it failed:</strong> {report.failureReason}
          </div>
        )}
        {failures > 0 && <p className="muted">Lost contact with the server; retrying…</p>}
        {report.downloadUrl && (
          <div className="actions">
            <a className="button" href={report.downloadUrl} download>
              Download PDF
            </a>
            {report.pageCount !== null && <span className="muted">{report.pageCount} pages</span>}
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="details-heading">
        <h2 id="details-heading" style={{ marginTop: 0, fontSize: "1.1rem" }}>
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
            <time dateTime={report.createdAt}>{new Date(report.createdAt).toUTCString()}</time>
          </dd>
          {report.finishedAt && (
            <>
              <dt>Finished</dt>
              <dd>
                <time dateTime={report.finishedAt}>{new Date(report.finishedAt).toUTCString()}</time>
              </dd>
            </>
          )}
        </dl>
      </section>
      <p>
        <Link href="/">Generate another report</Link>
      </p>
    </div>
  );
}

function describe(report: ReportView): string {
  switch (report.status) {
    case "queued":
      return report.attempts > 0 ? "Waiting to retry." : "Waiting for a worker to pick it up.";
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
  }
}
