import { recipientTypeIds } from "@backline/reports";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { CampaignForm } from "@/components/campaign-form";
import { campaignService } from "@/lib/server/campaigns";
import { reportTypeOptions } from "@/lib/server/form-options";
import { requireActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "New campaign" };
export const dynamic = "force-dynamic";

export default async function NewCampaignPage() {
  const actor = await requireActor("/campaigns/new");
  if (!actor.admin) notFound();
  const perRecipient = new Set(recipientTypeIds());
  // Each recipient fills the customer in; the rest of the form is shared.
  const types = reportTypeOptions()
    .filter((t) => perRecipient.has(t.id))
    .map((t) => ({ ...t, form: t.form.filter((f) => f.kind !== "customer") }));
  return (
    <>
      <h1>New campaign</h1>
      <p className="lede">Each customer gets their own PDF by email, once. Preview first: the first customer’s report comes to your inbox.</p>
      <CampaignForm types={types} regions={await campaignService().regions()} email={actor.email} />
    </>
  );
}
