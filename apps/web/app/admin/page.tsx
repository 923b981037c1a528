// /admin — the admin console's front page: one search box that finds any
// report, campaign email or schedule run by report id, address, campaign id or
// schedule id, with Retry/Cancel on the reports found; the console's other
// sections are a link away. Admins only; anyone else gets the ordinary 404.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { SearchResult } from "@backline/report-service";
import { AdminNav } from "@/components/admin-nav";
import { BulkReportTable } from "@/components/bulk-report-table";
import { UtcTime } from "@/components/utc-time";
import { bulkRow, firstParam, reportTitle } from "@/lib/admin-rows";
import { STATUS_LABELS } from "@/lib/report-status";
import { adminConsole } from "@/lib/server/admin-console";
import { pageActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "Admin console" };
export const dynamic = "force-dynamic";

export default async function AdminConsolePage(props: PageProps<"/admin">) {
  const actor = await pageActor();
  if (!actor?.admin) notFound();
  const q = firstParam((await props.searchParams).q)?.trim() ?? "";
  const result = q ? await adminConsole().search(q) : null;

  return (
    <>
      <h1>Admin console</h1>
      <AdminNav current="/admin" />
      <p className="lede">Find any report, campaign email or schedule run, retry or cancel reports, and see what failed or got stuck.</p>
      <search>
        <form className="card search-form" method="get" action="/admin">
          <div className="field">
            <label htmlFor="admin-q">Report id, campaign id, schedule id or email address</label>
            <input id="admin-q" name="q" type="text" defaultValue={q} autoComplete="off" spellCheck={false} aria-describedby="admin-q-help" />
            <span className="help" id="admin-q-help">
              An id finds the report, the campaign with its recipients, or the schedule with its runs; an address finds its reports and campaign emails.
            </span>
          </div>
          <button className="button" type="submit">
            Find
          </button>
        </form>
      </search>
      {result && <SearchResults result={result} />}
    </>
  );
}

function SearchResults({ result }: { result: SearchResult }) {
  if (result.kind === "unrecognised") {
    return (
      <p className="alert error" role="alert" style={{ marginTop: 20 }}>
        “{result.query}” is neither an id nor an email address. Paste a report, campaign or schedule id, or an address.
      </p>
    );
  }
  const found = result.reports.length + result.recipients.length + result.runs.length + (result.campaign ? 1 : 0) + (result.schedule ? 1 : 0);
  if (found === 0) {
    return (
      <p className="alert error" role="status" style={{ marginTop: 20 }}>
        Nothing matches “{result.query}”.
      </p>
    );
  }
  return (
    <>
      {result.reports.length > 0 && (
        <section className="card admin-section" aria-labelledby="found-reports">
          <h2 id="found-reports" className="card-title">
            {result.kind === "id"
              ? "Report"
              : `Reports of ${result.query.toLowerCase()} (${result.reports.length}${result.reports.length === 50 ? ", the latest" : ""})`}
          </h2>
          <BulkReportTable label="Reports found" rows={result.reports.map((r) => bulkRow(r))} actions={["retry", "cancel"]} whenLabel="Finished or asked" />
        </section>
      )}
      {result.campaign && (
        <section className="card admin-section" aria-labelledby="found-campaign">
          <h2 id="found-campaign" className="card-title">
            Campaign: <Link href={`/campaigns/${result.campaign.id}`}>{reportTitle(result.campaign.type)}</Link>
          </h2>
          <p className="muted">
            {result.campaign.status}, {result.campaign.total} recipients, created <UtcTime at={new Date(result.campaign.createdAt)} />
            {result.recipients.length > 0 && ` — the first ${result.recipients.length} by customer below`}.
          </p>
        </section>
      )}
      {result.recipients.length > 0 && (
        <section className="card admin-section" aria-labelledby="found-recipients">
          <h2 id="found-recipients" className="card-title">
            Campaign emails ({result.recipients.length})
          </h2>
          <div className="table-wrap">
            <table className="reports">
              <thead>
                <tr>
                  <th scope="col">Address and customer</th>
                  <th scope="col">Campaign</th>
                  <th scope="col">Status</th>
                  <th scope="col">Sent or updated</th>
                </tr>
              </thead>
              <tbody>
                {result.recipients.map((r) => (
                  <tr key={r.id}>
                    <td>
                      {r.email}
                      <span className="cell-note">customer #{r.customerId}</span>
                    </td>
                    <td>
                      <Link href={`/campaigns/${r.campaignId}`}>
                        <code>{r.campaignId.slice(-8)}</code>
                      </Link>
                    </td>
                    <td>
                      <span className="badge" data-status={r.status === "skipped" ? "cancelled" : r.status}>
                        {r.status}
                      </span>
                    </td>
                    <td className="wrap">
                      <UtcTime at={new Date(r.sentAt ?? r.updatedAt)} />
                      {r.failureReason && <span className="cell-note">{r.failureReason}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {result.schedule && (
        <section className="card admin-section" aria-labelledby="found-schedule">
          <h2 id="found-schedule" className="card-title">
            Schedule: <Link href={`/schedules/${result.schedule.id}`}>{reportTitle(result.schedule.type)}</Link>
          </h2>
          <p className="muted">
            {result.schedule.ownerEmail}; <code>{result.schedule.cron}</code> in {result.schedule.timeZone};{" "}
            {result.schedule.paused ? `paused${result.schedule.pausedReason ? ` (${result.schedule.pausedReason})` : ""}` : "active"}.
          </p>
          {result.runs.length === 0 ? (
            <p>No runs yet.</p>
          ) : (
            <div className="table-wrap">
              <table className="reports">
                <caption className="visually-hidden">Its runs, latest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Occurrence (its time zone)</th>
                    <th scope="col">Report</th>
                    <th scope="col">Status</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {result.runs.map((run) => (
                    <tr key={run.id}>
                      <td>{new Date(run.occurrence).toISOString().slice(0, 16).replace("T", " ")}</td>
                      <td>{run.reportId ? <Link href={`/reports/${run.reportId}`}>{run.reportId.slice(-8)}</Link> : "—"}</td>
                      <td>
                        {run.reportStatus ? (
                          <span className="badge" data-status={run.reportStatus}>
                            {STATUS_LABELS[run.reportStatus]}
                          </span>
                        ) : run.missed ? (
                          <span className="badge" data-status="missed">
                            Missed
                          </span>
                        ) : (
                          "—"
                        )}
                      </td>
                      <td className="wrap">{run.failureReason ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </>
  );
}
