// /admin/audit — every admin action, newest first: who, when, what, to which
// thing, and whether it was done or refused (and why). Admins only; anyone else
// gets the ordinary 404.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { AuditRow } from "@backline/report-service";
import { AdminNav } from "@/components/admin-nav";
import { UtcTime } from "@/components/utc-time";
import { firstParam } from "@/lib/admin-rows";
import { adminConsole } from "@/lib/server/admin-console";
import { pageActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "Audit log" };
export const dynamic = "force-dynamic";

/** A report's or campaign's id links to its page; anything else (an address, a path) is shown as it is. */
function Target({ entry }: { entry: AuditRow }) {
  if (!entry.target) return <>—</>;
  if (entry.action.startsWith("report.")) return <Link href={`/reports/${entry.target}`}>{entry.target}</Link>;
  if (entry.action.startsWith("campaign.") && /^[0-9a-f-]{36}$/.test(entry.target)) return <Link href={`/campaigns/${entry.target}`}>{entry.target}</Link>;
  return <>{entry.target}</>;
}

function Outcome({ detail }: { detail: unknown }) {
  const d = (detail ?? {}) as { outcome?: string; reason?: string };
  if (d.outcome === "done")
    return (
      <span className="badge" data-status="sent">
        Done
      </span>
    );
  if (d.outcome === "refused")
    return (
      <>
        <span className="badge" data-status="failed">
          Refused
        </span>{" "}
        {d.reason}
      </>
    );
  return <>—</>;
}

export default async function AuditPage(props: PageProps<"/admin/audit">) {
  const actor = await pageActor();
  if (!actor?.admin) notFound();
  const before = firstParam((await props.searchParams).before) ?? null;
  const { items, nextBefore } = await adminConsole().auditLog(before);

  return (
    <>
      <h1>Audit log</h1>
      <AdminNav current="/admin/audit" />
      <p className="lede">What admins did — retries and cancellations, invitations and removals, campaign commands, queue dashboard actions — newest first.</p>
      <section className="card admin-section" aria-labelledby="audit-heading">
        <h2 id="audit-heading" className="card-title">
          {items.length === 0 ? "Nothing recorded yet" : before ? "Older entries" : "Latest entries"}
        </h2>
        {items.length > 0 && (
          <div className="table-wrap">
            <table className="reports">
              <thead>
                <tr>
                  <th scope="col">When and who</th>
                  <th scope="col">Action and target</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <UtcTime at={new Date(e.at)} />
                      <span className="cell-note">{e.actor}</span>
                    </td>
                    <td className="wrap">
                      <code>{e.action}</code>
                      <span className="cell-note">
                        <Target entry={e} />
                      </span>
                    </td>
                    <td className="wrap">
                      <Outcome detail={e.detail} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {nextBefore && (
          <p>
            <Link href={`/admin/audit?before=${nextBefore}`}>Older entries →</Link>
          </p>
        )}
      </section>
    </>
  );
}
