// /admin/failures — failed reports of the last hour, day or week grouped by
// their reason, most frequent first, each with its count and latest examples
// (retry any of them). Admins only; anyone else gets the ordinary 404.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { FAILURE_WINDOWS, failureWindowSchema, type FailureWindow } from "@backline/report-service";
import { AdminNav } from "@/components/admin-nav";
import { BulkReportTable } from "@/components/bulk-report-table";
import { UtcTime } from "@/components/utc-time";
import { bulkRow, firstParam } from "@/lib/admin-rows";
import { adminConsole } from "@/lib/server/admin-console";
import { pageActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "Failures" };
export const dynamic = "force-dynamic";

const WINDOW_LABELS: Record<FailureWindow, string> = { "1h": "Last hour", "24h": "Last 24 hours", "7d": "Last 7 days" };

export default async function FailuresPage(props: PageProps<"/admin/failures">) {
  const actor = await pageActor();
  if (!actor?.admin) notFound();
  const window = failureWindowSchema.catch("24h").parse(firstParam((await props.searchParams).window) ?? "24h");
  const groups = await adminConsole().failures(window);
  const total = groups.reduce((n, g) => n + g.count, 0);

  return (
    <>
      <h1>Failures</h1>
      <AdminNav current="/admin/failures" />
      <p className="lede">Reports that failed for good, grouped by reason, most frequent first; retry the ones whose cause is fixed.</p>
      <form className="card search-form" method="get" action="/admin/failures">
        <div className="field">
          <label htmlFor="failures-window">Finished in</label>
          <select id="failures-window" name="window" defaultValue={window}>
            {(Object.keys(FAILURE_WINDOWS) as FailureWindow[]).map((w) => (
              <option key={w} value={w}>
                {WINDOW_LABELS[w]}
              </option>
            ))}
          </select>
        </div>
        <button className="button" type="submit">
          Show
        </button>
      </form>
      <h2 className="subhead admin-summary" aria-live="polite">
        {total === 0
          ? `No failures in the ${WINDOW_LABELS[window].toLowerCase()}.`
          : `${total} failed in the ${WINDOW_LABELS[window].toLowerCase()}, ${groups.length} ${groups.length === 1 ? "reason" : "reasons"}`}
      </h2>
      {groups.map((g, i) => (
        <section key={g.reason} className="card admin-section" aria-labelledby={`reason-${i}`}>
          <h3 id={`reason-${i}`} className="card-title">
            {g.reason || "No reason recorded"}
          </h3>
          <p className="muted">
            {g.count} {g.count === 1 ? "report" : "reports"}, the latest <UtcTime at={new Date(g.latest)} />
            {g.count > g.examples.length ? `; the latest ${g.examples.length} below` : ""}.
          </p>
          <BulkReportTable
            label={`Failed: ${g.reason || "no reason recorded"}`}
            rows={g.examples.map((r) => bulkRow(r, `${r.attempts} ${r.attempts === 1 ? "attempt" : "attempts"}`))}
            actions={["retry"]}
            whenLabel="Failed"
          />
        </section>
      ))}
    </>
  );
}
