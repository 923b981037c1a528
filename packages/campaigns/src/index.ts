export { MAX_LISTED_RECIPIENTS, audienceSchema, csvIssues, insertRecipients, readRecipientCsv, type Audience, type StoredAudience } from "./audience.ts";
export { campaignPdfFolder, purgeExpiredCampaigns } from "./campaign-retention.ts";
export { campaignStatuses, completeIfDone, pauseCampaign, runningCampaigns, startDueCampaigns } from "./campaign-lifecycle.ts";
export {
  campaignRequestSchema,
  campaignService,
  checkCampaignReport,
  parseCampaignRequest,
  type CampaignInput,
  type CampaignResult,
  type CampaignService,
  type CampaignView,
} from "./campaign-service.ts";
export * from "./campaign-status.ts";
export {
  claimRecipients,
  markFinished,
  markSent,
  recentFailureShare,
  release,
  releaseAfterFailedSend,
  renewClaim,
  startSending,
  type Claim,
  type ClaimedRecipient,
} from "./recipient-ledger.ts";
export { checkOptOutSignature, optOutAddress, optOutUrl, recordOptOut, type OptOutKeys } from "./opt-out-links.ts";
