import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CampaignLive } from "@/components/campaign-live";
import { campaignService } from "@/lib/server/campaigns";
import { requireActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "Campaign" };
export const dynamic = "force-dynamic";

export default async function CampaignPage(props: PageProps<"/campaigns/[id]">) {
  const { id } = await props.params;
  const actor = await requireActor(`/campaigns/${id}`);
  const campaign = actor.admin ? await campaignService().get(id, actor) : null;
  if (!campaign) notFound();
  const audience = campaign.audience;
  return (
    <div className="stack">
      <h1>
        {campaign.title} {typeof campaign.params.month === "string" ? campaign.params.month : ""}
      </h1>
      <p className="lede">
        To{" "}
        {audience.kind === "all-customers"
          ? "every customer"
          : audience.kind === "region"
            ? `the customers of ${audience.region}`
            : audience.kind === "customers"
              ? `${audience.ids.length.toLocaleString("en")} listed customers`
              : `the customers in ${audience.fileName}`}
        : {campaign.total.toLocaleString("en")} recipients.
      </p>
      {audience.kind === "csv" && audience.rejected.length > 0 && (
        <details className="card">
          <summary>{audience.rejected.length} rows of the file named nobody and were not sent</summary>
          <ul>
            {audience.rejected.slice(0, 200).map((r) => (
              <li key={r.line}>
                Line {r.line}: {r.message}
              </li>
            ))}
          </ul>
        </details>
      )}
      <CampaignLive initial={campaign} />
      <p>
        <Link href="/campaigns">All campaigns</Link>
      </p>
    </div>
  );
}
