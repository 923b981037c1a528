import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { RANGE_LABELS } from "@backline/reports";
import { ScheduleActions } from "@/components/schedule-actions";
import { ScheduleRunBadge } from "@/components/schedule-run-badge";
import { formatInZone, formatLocal } from "@/lib/schedule-time";
import { scheduleService } from "@/lib/server/schedules";
import { requireActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "Schedule" };
export const dynamic = "force-dynamic";

export default async function SchedulePage(props: PageProps<"/schedules/[id]">) {
  const { id } = await props.params;
  const actor = await requireActor(`/schedules/${id}`);
  const schedule = await scheduleService().get(id, actor);
  if (!schedule) notFound();
  const params = Object.entries(schedule.params);
  return (
    <div className="stack">
      <h1>{schedule.title}</h1>
      <p className="lede">
        {schedule.repeats}, {schedule.timeZone} time <code>{schedule.cron}</code>
      </p>

      <section className="card stack" aria-labelledby="state-heading">
        <div className="status-head">
          <h2 id="state-heading" className="card-title">
            {schedule.paused ? "Paused" : "Active"}
          </h2>
          <span className="badge" data-status={schedule.paused ? "cancelled" : "sent"}>
            {schedule.paused ? "Paused" : "Active"}
          </span>
        </div>
        {schedule.pausedReason && (
          <p className="alert error" role="status">
            {schedule.pausedReason}
          </p>
        )}
        {schedule.upcoming.length > 0 ? (
          <div>
            <h3 className="subhead">Next runs ({schedule.timeZone})</h3>
            <ol className="plain-list" data-testid="upcoming">
              {schedule.upcoming.map((u) => (
                <li key={u.occurrence}>
                  <time dateTime={u.at}>{formatInZone(u.at, schedule.timeZone)}</time>
                </li>
              ))}
            </ol>
          </div>
        ) : (
          <p className="muted">{schedule.paused ? "No runs while it is paused." : "It will not run again."}</p>
        )}
        <ScheduleActions id={schedule.id} paused={schedule.paused} />
      </section>

      <section className="card" aria-labelledby="runs-heading">
        <h2 id="runs-heading" className="card-title">
          Runs
        </h2>
        {schedule.runs.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="reports" data-testid="runs">
              <thead>
                <tr>
                  <th scope="col">Due ({schedule.timeZone})</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Report</th>
                </tr>
              </thead>
              <tbody>
                {schedule.runs.map((run) => (
                  <tr key={run.occurrence}>
                    <td>{formatLocal(run.occurrence)}</td>
                    <td>
                      <ScheduleRunBadge status={run.status} />
                      {run.failureReason && <span className="muted"> {run.failureReason}</span>}
                    </td>
                    <td>{run.reportId ? <Link href={`/reports/${run.reportId}`}>Status page</Link> : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="details-heading">
        <h2 id="details-heading" className="card-title">
          Details
        </h2>
        <dl className="meta">
          <dt>Dates</dt>
          <dd>
            {schedule.relative
              ? `Relative to each run: ${schedule.relative.days ? `the last ${schedule.relative.days} days` : RANGE_LABELS[schedule.relative.range]}`
              : "Fixed"}
          </dd>
          {params.map(([name, value]) => (
            <div key={name} style={{ display: "contents" }}>
              <dt>{name}</dt>
              <dd>{String(value)}</dd>
            </div>
          ))}
          <dt>Empty reports</dt>
          <dd>{schedule.skipIfEmpty ? "Skipped (nothing is sent)" : "Sent"}</dd>
          <dt>Missed runs</dt>
          <dd>{{ latest: "The most recent is sent once", skip: "Skipped", all: "Each is sent (up to a limit)" }[schedule.missed]}</dd>
        </dl>
      </section>
      <p>
        <Link href="/schedules">All schedules</Link>
      </p>
    </div>
  );
}
