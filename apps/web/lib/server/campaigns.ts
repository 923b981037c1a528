// The campaign service as this web process uses it (packages/campaigns): admins only.
import "server-only";
import { campaignService as createCampaignService, optOutAddress, recordOptOut, type CampaignService, type OptOutKeys } from "@backline/campaigns";
import { db } from "./db";

const globalForCampaigns = globalThis as unknown as { backlineCampaigns?: CampaignService };

export function campaignService(): CampaignService {
  return (globalForCampaigns.backlineCampaigns ??= createCampaignService(db()));
}

/** The campaign emails' one-click opt-out (public: the signed link is the permission). */
export function campaignOptOut() {
  return {
    address: (recipientId: string, sig: string, keys: OptOutKeys) => optOutAddress(db(), recipientId, sig, keys),
    record: (recipientId: string, sig: string, keys: OptOutKeys) => recordOptOut(db(), recipientId, sig, keys),
  };
}
