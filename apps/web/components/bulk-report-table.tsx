"use client";
// A table of reports with a checkbox each and the bulk buttons under it (Retry
// selected, Cancel selected): one POST /api/admin/reports/bulk for the chosen
// ones, each answered done or refused with the reason, shown under the buttons
// (announced as a status), then the page reloads its data.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { UtcTime } from "@/components/utc-time";
import { STATUS_LABELS, type ReportStatus } from "@/lib/report-status";

export interface BulkRow {
  id: string;
  title: string;
  ownerEmail: string;
  status: ReportStatus;
  /** The failure reason, or why it is listed. */
  note: string | null;
  /** ISO time shown in the When column. */
  at: string | null;
}

type Action = "retry" | "cancel";
type Outcome = { id: string; outcome: "done"; status: ReportStatus } | { id: string; outcome: "refused"; reason: string };

const BUTTONS: Record<Action, { label: string; busy: string; done: string }> = {
  retry: { label: "Retry selected", busy: "Retrying…", done: "retried" },
  cancel: { label: "Cancel selected", busy: "Cancelling…", done: "cancelled" },
};

export function BulkReportTable({ rows, label, actions, whenLabel = "When" }: { rows: BulkRow[]; label: string; actions: Action[]; whenLabel?: string }) {
  const id = useId();
  const router = useRouter();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState<Action | null>(null);
  const [answer, setAnswer] = useState<{ action: Action; outcomes: Outcome[] } | { error: string } | null>(null);
  const titles = new Map(rows.map((r) => [r.id, `${r.title} of ${r.ownerEmail}`]));
  const allChosen = rows.length > 0 && rows.every((r) => selected.has(r.id));

  const toggle = (reportId: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(reportId);
      else next.delete(reportId);
      return next;
    });

  async function run(action: Action) {
    setBusy(action);
    setAnswer(null);
    try {
      const response = await fetch("/api/admin/reports/bulk", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ action, ids: [...selected] }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) setAnswer({ error: body.issues?.[0]?.message ?? body.error ?? `The server answered ${response.status}` });
      else {
        setAnswer({ action, outcomes: body.results });
        setSelected(new Set());
        router.refresh();
      }
    } catch {
      setAnswer({ error: "Could not reach Backline. Check your connection and try again." });
    }
    setBusy(null);
  }

  return (
    <div className="stack">
      <div className="table-wrap">
        <table className="reports">
          <caption className="visually-hidden">{label}</caption>
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label={`Select all ${rows.length} in ${label}`}
                  checked={allChosen}
                  onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((r) => r.id)) : new Set())}
                />
              </th>
              <th scope="col">Report and owner</th>
              <th scope="col">Status</th>
              <th scope="col">{whenLabel}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td>
                  <input
                    type="checkbox"
                    id={`${id}-${r.id}`}
                    aria-label={`Select ${titles.get(r.id)} (${r.id})`}
                    checked={selected.has(r.id)}
                    onChange={(e) => toggle(r.id, e.target.checked)}
                  />
                </td>
                <td>
                  <Link href={`/reports/${r.id}`}>{r.title}</Link> <code className="muted">{r.id.slice(-8)}</code>
                  <span className="cell-note">{r.ownerEmail}</span>
                </td>
                <td>
                  <span className="badge" data-status={r.status}>
                    {STATUS_LABELS[r.status]}
                  </span>
                </td>
                <td className="wrap">
                  {r.at ? <UtcTime at={new Date(r.at)} /> : "—"}
                  {r.note && <span className="cell-note">{r.note}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="actions">
        {actions.map((action) => (
          <button key={action} className="button secondary" type="button" disabled={selected.size === 0 || busy !== null} onClick={() => run(action)}>
            {busy === action ? BUTTONS[action].busy : `${BUTTONS[action].label}${selected.size ? ` (${selected.size})` : ""}`}
          </button>
        ))}
      </div>
      <div role="status" aria-live="polite">
        {answer && "error" in answer && <p className="alert error">{answer.error}</p>}
        {answer && "outcomes" in answer && <BulkOutcomes action={answer.action} outcomes={answer.outcomes} titles={titles} />}
      </div>
    </div>
  );
}

function BulkOutcomes({ action, outcomes, titles }: { action: Action; outcomes: Outcome[]; titles: Map<string, string> }) {
  const done = outcomes.filter((o) => o.outcome === "done").length;
  return (
    <div className={`alert ${done === outcomes.length ? "ok" : "error"}`}>
      <p style={{ margin: 0 }}>
        {done} of {outcomes.length} {BUTTONS[action].done}
        {done < outcomes.length ? `; ${outcomes.length - done} refused` : ""}.
      </p>
      <ul>
        {outcomes.map((o) => (
          <li key={o.id}>
            <Link href={`/reports/${o.id}`}>{titles.get(o.id) ?? o.id}</Link>:{" "}
            {o.outcome === "done" ? `done, now ${STATUS_LABELS[o.status]}` : `refused — ${o.reason}`}
          </li>
        ))}
      </ul>
    </div>
  );
}
