import type { Metadata } from "next";
import Link from "next/link";
import { ScheduleRunBadge } from "@/components/schedule-run-badge";
import { formatInZone } from "@/lib/schedule-time";
import { scheduleService } from "@/lib/server/schedules";
import { requireActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "Schedules" };
export const dynamic = "force-dynamic";

export default async function SchedulesPage() {
  const actor = await requireActor("/schedules");
  const schedules = await scheduleService().list(actor);
  return (
    <>
      <h1>{actor.admin ? "All schedules" : "My schedules"}</h1>
      <p className="lede">Reports emailed on a schedule. Each run is a report with its own status page.</p>
      <p>
        <Link className="button" href="/schedules/new">
          New schedule
        </Link>
      </p>
      <section className="card" aria-labelledby="list-heading" style={{ marginTop: 20 }}>
        <h2 id="list-heading" className="card-title">
          {schedules.length === 0 ? "No schedules yet" : "Schedules"}
        </h2>
        {schedules.length > 0 && (
          <div className="table-wrap">
            <table className="reports">
              <thead>
                <tr>
                  <th scope="col">Report</th>
                  <th scope="col">Repeats</th>
                  <th scope="col">Next run</th>
                  <th scope="col">Last runs</th>
                </tr>
              </thead>
              <tbody>
                {schedules.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Link href={`/schedules/${s.id}`}>{s.title}</Link>
                    </td>
                    <td>
                      {s.repeats} <span className="muted">({s.timeZone})</span>
                    </td>
                    <td>
                      {s.paused ? (
                        <span className="badge" data-status="cancelled">
                          Paused
                        </span>
                      ) : s.nextRunAt ? (
                        formatInZone(s.nextRunAt, s.timeZone)
                      ) : (
                        "—"
                      )}
                    </td>
                    <td>
                      {s.runs.length === 0 ? (
                        "—"
                      ) : (
                        <span className="run-badges">
                          {s.runs.map((r) => (
                            <ScheduleRunBadge key={r.occurrence} status={r.status} />
                          ))}
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
