// The report service as one object: every command and read, bound to one
// process's database, queue and Redis. The web app holds one; its pages and
// routes reach reports through nothing else.
import type { Report } from "@backline/db";
import type { Actor } from "./actor.ts";
import { runBulkCommand, type BulkRequest } from "./admin-console.ts";
import { reportCommands, type ReportServiceDeps } from "./commands.ts";
import { issueDownloadLink, revokeDownloadLinks, type DownloadLinkClaims, type DownloadLinkKeys } from "./download-links.ts";
import { estimateQueued } from "./queue-position.ts";
import {
  findVisibleReport,
  listReports,
  readLinkedReport,
  readReportSince,
  readStatusPage,
  recordDownload,
  searchCustomers,
  type ListQuery,
} from "./report-reads.ts";

export function createReportService(deps: ReportServiceDeps) {
  const { db } = deps;
  const commands = reportCommands(deps);
  return {
    ...commands,
    /** Retry or cancel many reports, one command each (the admin console's bulk buttons). */
    bulk: (request: BulkRequest, actor: Actor) => runBulkCommand(commands, request, actor),
    find: (id: string, actor: Actor) => findVisibleReport(db, id, actor),
    statusPage: (id: string, actor: Actor) => readStatusPage(db, id, actor),
    since: (id: string, actor: Actor, sinceEventId: bigint | null, limit?: number) => readReportSince(db, id, actor, sinceEventId, limit),
    list: (actor: Actor, query: ListQuery) => listReports(db, actor, query),
    searchCustomers: (text: string) => searchCustomers(db, text),
    /** Where a queued report stands, and roughly when it will be done. */
    queueEstimate: (report: Report) => estimateQueued(deps, report),
    linkedReport: (claims: DownloadLinkClaims) => readLinkedReport(db, claims),
    recordDownload: (download: Parameters<typeof recordDownload>[1]) => recordDownload(db, download),
    /** A fresh signed link for the report's owner (the caller checked they own it). */
    issueLink: (report: Report, options: { channel: "email" | "web"; appUrl: string; ttlHours: number; keys: DownloadLinkKeys }) =>
      issueDownloadLink(db, { reportId: report.id, userId: report.userId, ...options }),
    revokeLinks: (report: Report) => revokeDownloadLinks(db, report.id),
  };
}

export type ReportService = ReturnType<typeof createReportService>;
