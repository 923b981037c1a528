// /admin/stuck — reports that aren't moving: in flight with no live job in
// Redis (the reconciler gives them one back within seconds while a worker
// runs), and reports generating longer than their type's p99; then the
// reconciler's latest re-adds. Admins only; anyone else gets the ordinary 404.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AdminNav } from "@/components/admin-nav";
import { BulkReportTable } from "@/components/bulk-report-table";
import { UtcTime } from "@/components/utc-time";
import { bulkRow, reportTitle } from "@/lib/admin-rows";
import { adminConsole } from "@/lib/server/admin-console";
import { pageActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "Stuck reports" };
export const dynamic = "force-dynamic";

const seconds = (s: number) => (s < 120 ? `${Math.round(s)} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`);

export default async function StuckPage() {
  const actor = await pageActor();
  if (!actor?.admin) notFound();
  const [stuck, reconciler] = await Promise.all([adminConsole().stuck(), adminConsole().reconcilerActions()]);
  const p99 = Object.entries(stuck.p99);

  return (
    <>
      <h1>Stuck reports</h1>
      <AdminNav current="/admin/stuck" />
      <p className="lede">Reports that aren't moving, and what the reconciler did about lost jobs.</p>

      <section className="card admin-section" aria-labelledby="no-job">
        <h2 id="no-job" className="card-title">
          No live job ({stuck.withoutJob.length})
        </h2>
        <p className="muted">
          Queued, generating or emailing, but their job is missing from Redis (or ended). A running worker's reconciler re-adds them within
          RECONCILE_INTERVAL_MS; if they stay here, check that a worker is running.
        </p>
        {stuck.withoutJob.length > 0 && (
          <BulkReportTable
            label="Reports without a live job"
            rows={stuck.withoutJob.map((r) => bulkRow(r, `${r.attempts} ${r.attempts === 1 ? "attempt" : "attempts"}`, r.createdAt))}
            actions={["cancel"]}
            whenLabel="Asked"
          />
        )}
      </section>

      <section className="card admin-section" aria-labelledby="slow">
        <h2 id="slow" className="card-title">
          Slower than usual ({stuck.slow.length})
        </h2>
        <p className="muted">
          Generating for longer than 99 % of their type's latest sent reports took
          {p99.length > 0 ? ` (${p99.map(([type, s]) => `${reportTitle(type)}: ${seconds(s)}`).join("; ")})` : " (no type has enough sent reports yet)"}.
        </p>
        {stuck.slow.length > 0 && (
          <BulkReportTable
            label="Reports generating for longer than usual"
            rows={stuck.slow.map((r) => bulkRow(r, `running ${seconds(r.runningSeconds ?? 0)}; p99 ${seconds(r.p99Seconds ?? 0)}`, r.startedAt))}
            actions={["cancel"]}
            whenLabel="Started"
          />
        )}
      </section>

      <section className="card admin-section" aria-labelledby="reconciler">
        <h2 id="reconciler" className="card-title">
          The reconciler's latest re-adds
        </h2>
        {reconciler.length === 0 ? (
          <p>None recorded: no job has gone missing.</p>
        ) : (
          <div className="table-wrap">
            <table className="reports">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What (queue)</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {reconciler.map((e) => {
                  const detail = (e.detail ?? {}) as { queue?: string; why?: string };
                  return (
                    <tr key={e.id}>
                      <td>
                        <UtcTime at={new Date(e.at)} />
                      </td>
                      <td className="wrap">
                        {detail.queue === "reports" && e.target ? <Link href={`/reports/${e.target}`}>{e.target}</Link> : (e.target ?? "—")}
                        <span className="cell-note">{detail.queue}</span>
                      </td>
                      <td className="wrap">{detail.why ?? "—"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
