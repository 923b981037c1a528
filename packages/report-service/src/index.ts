export {
  findVisibleReport,
  idempotencyKeySchema,
  reportCommands,
  reportRequestSchema,
  requestHash,
  type Actor,
  type CommandResult,
  type ReportCommands,
  type ReportServiceDeps,
} from "./commands.ts";
export { CancellationListener, ReportCancelledError, broadcastCancel, cancelChannel } from "./cancellation.ts";
export { averageDurationSeconds, estimateQueued, queuePosition, type QueuePosition } from "./queue-position.ts";
export { toEventView, toReportView, type ReportEventView, type ReportView } from "./report-view.ts";
export { ReportUpdateHub, publishReportChange, reportUpdatesChannel, toReportUpdate, type ReportUpdate } from "./updates.ts";
export {
  checkDownloadUrl,
  downloadPath,
  findIssuedLink,
  issueDownloadLink,
  keyIdOf,
  revokeDownloadLinks,
  signDownloadUrl,
  type DownloadLinkClaims,
  type DownloadLinkKeys,
  type LinkCheck,
} from "./download-links.ts";
