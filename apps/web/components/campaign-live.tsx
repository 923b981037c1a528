"use client";
// A campaign as it runs: progress, counts by state, throughput and ETA,
// re-read every second while it is running; Pause / Resume / Cancel / Retry
// failed; the failed recipients with their reasons; the CSV export.
import type { CampaignView } from "@backline/campaigns";
import { canCampaign, isCampaignFinal, type CampaignCommand } from "@backline/campaigns/campaign-status";
import { useCallback, useEffect, useState } from "react";
import { UtcTime } from "./utc-time";

interface FailedRecipient {
  id: string;
  customerId: number;
  email: string;
  failureReason: string | null;
}

const COMMAND_LABELS: Record<CampaignCommand, string> = { pause: "Pause", resume: "Resume", cancel: "Cancel campaign", "retry-failed": "Retry failed" };
const STATUS_LABELS: Record<CampaignView["status"], string> = {
  scheduled: "Scheduled",
  running: "Running",
  paused: "Paused",
  completed: "Completed",
  cancelled: "Cancelled",
};

export function CampaignLive({ initial }: { initial: CampaignView }) {
  const [campaign, setCampaign] = useState(initial);
  const [failed, setFailed] = useState<FailedRecipient[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    const [c, f] = await Promise.all([
      fetch(`/api/campaigns/${initial.id}`, { cache: "no-store" }),
      fetch(`/api/campaigns/${initial.id}/recipients?status=failed&limit=50`, { cache: "no-store" }),
    ]);
    if (c.ok) setCampaign(await c.json());
    if (f.ok) setFailed((await f.json()).items);
  }, [initial.id]);

  const active = campaign.status === "running" || campaign.status === "scheduled";
  useEffect(() => {
    void refresh();
    if (!active) return;
    const timer = setInterval(() => void refresh().catch(() => {}), 1000);
    return () => clearInterval(timer);
  }, [active, refresh]);

  async function act(command: CampaignCommand) {
    setBusy(true);
    setError(null);
    const response = await fetch(`/api/campaigns/${campaign.id}/${command}`, { method: "POST" }).catch(() => null);
    if (!response) setError("Could not reach Backline. Check your connection and try again.");
    else if (!response.ok) setError((await response.json().catch(() => ({}))).error ?? `The server answered ${response.status}`);
    else setCampaign(await response.json());
    setBusy(false);
  }

  const { counts, total } = campaign;
  const done = counts.sent + counts.failed + counts.skipped;
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  return (
    <div className="stack">
      <section className="card stack" aria-labelledby="progress-heading">
        <div className="status-head">
          <h2 id="progress-heading" className="card-title">
            Progress
          </h2>
          <span className="badge" data-status={campaign.status === "completed" ? "sent" : campaign.status === "running" ? "generating" : "cancelled"}>
            {STATUS_LABELS[campaign.status]}
          </span>
        </div>
        <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label="Recipients done">
          <div style={{ width: `${percent}%` }} />
        </div>
        <p role="status" aria-live="polite" className="status-line">
          {done.toLocaleString("en")} of {total.toLocaleString("en")} done ({percent}%)
          {campaign.status === "running" && ` · ${campaign.ratePerSecond} emails/s`}
          {campaign.etaSeconds !== null && ` · about ${formatDuration(campaign.etaSeconds)} left`}
        </p>
        {campaign.pausedReason && (
          <p className="alert error" role="alert">
            {campaign.pausedReason}
          </p>
        )}
        <dl className="meta counts" data-testid="campaign-counts">
          <dt>Pending</dt>
          <dd>{counts.pending.toLocaleString("en")}</dd>
          <dt>Sending</dt>
          <dd>{counts.sending.toLocaleString("en")}</dd>
          <dt>Sent</dt>
          <dd>{counts.sent.toLocaleString("en")}</dd>
          <dt>Failed</dt>
          <dd>{counts.failed.toLocaleString("en")}</dd>
          <dt>Skipped</dt>
          <dd>{counts.skipped.toLocaleString("en")}</dd>
          <dt>Resent after a broken connection</dt>
          <dd>{campaign.resends.toLocaleString("en")}</dd>
          <dt>{campaign.startedAt ? "Started" : "Starts"}</dt>
          <dd>
            <UtcTime at={new Date(campaign.startedAt ?? campaign.startAt)} />
          </dd>
          {campaign.finishedAt && (
            <>
              <dt>Finished</dt>
              <dd>
                <UtcTime at={new Date(campaign.finishedAt)} />
              </dd>
            </>
          )}
        </dl>
        <div className="actions">
          {(Object.keys(COMMAND_LABELS) as CampaignCommand[])
            .filter((c) => canCampaign(c, campaign.status) && (c !== "retry-failed" || counts.failed > 0))
            .map((c) => (
              <button key={c} type="button" className={c === "resume" ? "button" : "button secondary"} disabled={busy} onClick={() => act(c)}>
                {COMMAND_LABELS[c]}
              </button>
            ))}
          <a className="button secondary" href={`/api/campaigns/${campaign.id}/recipients?format=csv`} download>
            Export every recipient (CSV)
          </a>
        </div>
        {error && (
          <p className="alert error" role="alert">
            {error}
          </p>
        )}
        {isCampaignFinal(campaign.status) && <p className="muted">This campaign is {campaign.status}; nothing more is sent.</p>}
      </section>

      {failed.length > 0 && (
        <section className="card" aria-labelledby="failed-heading">
          <h2 id="failed-heading" className="card-title">
            Failed recipients {counts.failed > failed.length && `(the first ${failed.length} of ${counts.failed.toLocaleString("en")})`}
          </h2>
          <div className="table-wrap">
            <table className="reports">
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Address</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {failed.map((r) => (
                  <tr key={r.id}>
                    <td>#{r.customerId}</td>
                    <td>{r.email}</td>
                    <td>{r.failureReason ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
