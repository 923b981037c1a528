// What a campaign's and a recipient's status mean, said once. Client-safe
// (types only from the database), so the campaign page uses it too.
import type { CampaignStatus, RecipientStatus } from "@backline/db";

export type { CampaignStatus, RecipientStatus };

export const CAMPAIGN_STATUSES = ["scheduled", "running", "paused", "completed", "cancelled"] as const satisfies readonly CampaignStatus[];

/** What an admin may ask of a campaign, and from where. */
export const CAMPAIGN_COMMANDS = {
  pause: { from: ["scheduled", "running"], to: "paused" },
  resume: { from: ["paused"], to: "running" },
  cancel: { from: ["scheduled", "running", "paused"], to: "cancelled" },
  // Failed recipients go back to pending; a finished campaign runs again for them.
  "retry-failed": { from: ["running", "paused", "completed"], to: "running" },
} as const satisfies Record<string, { from: readonly CampaignStatus[]; to: CampaignStatus }>;

export type CampaignCommand = keyof typeof CAMPAIGN_COMMANDS;

export const canCampaign = (command: CampaignCommand, status: CampaignStatus) =>
  (CAMPAIGN_COMMANDS[command].from as readonly CampaignStatus[]).includes(status);

/** Nothing more happens to it (unless failed recipients are retried, for a completed one). */
export const isCampaignFinal = (status: CampaignStatus) => status === "completed" || status === "cancelled";

/** Recipients still owed an outcome: the campaign completes when none is left. */
export const RECIPIENT_OPEN: readonly RecipientStatus[] = ["pending", "claimed", "sending"];

/** The counts the API and the page show: in flight ("sending") covers claimed and sending. */
export interface RecipientCounts {
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  skipped: number;
}
