import type { Metadata } from "next";
import Link from "next/link";
import { describeIssues } from "@backline/config/field-issues";
import { reportTypes } from "@backline/reports";
import { UtcTime } from "@/components/utc-time";
import { REPORT_STATUSES, STATUS_LABELS } from "@/lib/report-status";
import { listQuerySchema } from "@backline/report-service";
import { reportService } from "@/lib/server/reports";
import { requireActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "My reports" };
export const dynamic = "force-dynamic";

export default async function MyReportsPage(props: PageProps<"/reports">) {
  const actor = await requireActor("/reports");
  const raw = Object.fromEntries(Object.entries(await props.searchParams).filter(([, v]) => typeof v === "string" && v !== "")) as Record<string, string>;
  const query = listQuerySchema.safeParse(raw);
  const page = query.success ? await reportService().list(actor, query.data) : null;
  const nextHref = page?.nextCursor ? `/reports?${new URLSearchParams({ ...raw, cursor: page.nextCursor })}` : null;

  return (
    <>
      <h1>{actor.admin ? "All reports" : "My reports"}</h1>
      <p className="lede">{actor.admin ? "Everyone's reports (you are an admin), newest first." : "Every report you asked for, newest first."}</p>
      <form className="card filters" method="get" action="/reports">
        <div className="field">
          <label htmlFor="list-status">Status</label>
          <select id="list-status" name="status" defaultValue={raw.status ?? ""}>
            <option value="">Any status</option>
            {REPORT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="list-type">Report</label>
          <select id="list-type" name="type" defaultValue={raw.type ?? ""}>
            <option value="">Any report</option>
            {Object.values(reportTypes).map((t) => (
              <option key={t.id} value={t.id}>
                {t.title}
              </option>
            ))}
          </select>
        </div>
        <button className="button" type="submit">
          Show
        </button>
      </form>

      {!query.success && (
        <div className="alert error" role="alert" style={{ marginTop: 20 }}>
          {describeIssues(query.error.issues)}
        </div>
      )}

      {page && (
        <section className="card" style={{ marginTop: 20 }} aria-labelledby="results-heading">
          <h2 id="results-heading" className="card-title">
            {page.items.length === 0 ? "No reports match" : raw.cursor ? "More reports" : "Reports"}
          </h2>
          {page.items.length > 0 && (
            <div className="table-wrap">
              <table className="reports">
                <thead>
                  <tr>
                    <th scope="col">Report</th>
                    {actor.admin && <th scope="col">Owner</th>}
                    <th scope="col">Status</th>
                    <th scope="col">Requested</th>
                    <th scope="col">Took</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((r) => (
                    <tr key={r.id}>
                      <td>
                        <Link href={`/reports/${r.id}`}>{reportTypes[r.type as keyof typeof reportTypes]?.title ?? r.type}</Link>
                      </td>
                      {actor.admin && <td>{r.ownerEmail}</td>}
                      <td>
                        <span className="badge" data-status={r.status}>
                          {STATUS_LABELS[r.status]}
                        </span>
                      </td>
                      <td>
                        <UtcTime at={r.createdAt} />
                      </td>
                      <td>{r.startedAt && r.finishedAt ? `${((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(1)} s` : "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {nextHref && (
            <p>
              <Link href={nextHref}>Older reports →</Link>
            </p>
          )}
        </section>
      )}
    </>
  );
}
