export type { Actor } from "./actor.ts";
export {
  idempotencyKeySchema,
  reportCommands,
  reportRequestSchema,
  requestHash,
  type CommandResult,
  type ReportCommands,
  type ReportServiceDeps,
} from "./commands.ts";
export {
  findVisibleReport,
  isReportId,
  listQuerySchema,
  listReports,
  readLinkedReport,
  readReportSince,
  readStatusPage,
  recordDownload,
  type DownloadActivity,
  type LinkedReport,
  type ListQuery,
  type ParamLine,
  type StatusPage,
} from "./report-reads.ts";
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
export { createReportService, type ReportService } from "./service.ts";
export {
  ADMIN_QUERIES,
  BULK_MAX,
  FAILURE_WINDOWS,
  adminConsole,
  bulkRequestSchema,
  failureWindowSchema,
  recogniseQuery,
  runBulkCommand,
  type AdminConsole,
  type AdminConsoleDeps,
  type AuditRow,
  type BulkOutcome,
  type BulkRequest,
  type CampaignHit,
  type FailureGroup,
  type FailureWindow,
  type RecipientHit,
  type ReportHit,
  type RunHit,
  type ScheduleHit,
  type SearchResult,
  type StuckReport,
} from "./admin-console.ts";
