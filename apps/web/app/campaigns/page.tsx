import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { UtcTime } from "@/components/utc-time";
import { campaignService } from "@/lib/server/campaigns";
import { requireActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "Campaigns" };
export const dynamic = "force-dynamic";

export default async function CampaignsPage() {
  const actor = await requireActor("/campaigns");
  if (!actor.admin) notFound();
  const campaigns = await campaignService().list(actor);
  return (
    <>
      <h1>Campaigns</h1>
      <p className="lede">
        One report for each of many customers — their own statement, in their own email — sent in the background, interactive reports first.
      </p>
      <p>
        <Link className="button" href="/campaigns/new">
          New campaign
        </Link>
      </p>
      <section className="card" aria-labelledby="list-heading" style={{ marginTop: 20 }}>
        <h2 id="list-heading" className="card-title">
          {campaigns.length === 0 ? "No campaigns yet" : "All campaigns"}
        </h2>
        {campaigns.length > 0 && (
          <div className="table-wrap">
            <table className="reports">
              <thead>
                <tr>
                  <th scope="col">Campaign</th>
                  <th scope="col">Status</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Started</th>
                </tr>
              </thead>
              <tbody>
                {campaigns.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <Link href={`/campaigns/${c.id}`}>
                        {c.title} {typeof c.params.month === "string" ? c.params.month : ""}
                      </Link>
                    </td>
                    <td>{c.status}</td>
                    <td>
                      {c.counts.sent.toLocaleString("en")} / {c.total.toLocaleString("en")}
                    </td>
                    <td>{c.counts.failed.toLocaleString("en")}</td>
                    <td>{c.startedAt ? <UtcTime at={new Date(c.startedAt)} /> : "—"}</td>
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
