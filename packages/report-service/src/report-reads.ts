// Every read of reports the web app makes, always as an Actor: one report, the
// status page, the history after an event, the list, the report behind a signed
// download link, and the record of each download. Pages and routes go through
// here (a lint rule keeps apps/web/app from importing the database), so who may
// see what is decided in one place: someone else's report is as absent as a
// missing one — never a 403 that confirms it exists.
import { REPORT_STATUSES, type PrismaClient, type Report, type ReportEvent } from "@backline/db";
import { getReportType, reportTypeIds } from "@backline/reports";
import { z } from "zod";
import type { Actor } from "./actor.ts";
import { findIssuedLink, type DownloadLinkClaims } from "./download-links.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Report ids are UUIDs; anything else is simply not found (and never reaches SQL). */
export const isReportId = (id: string) => UUID.test(id);

const visibleTo = (actor: Pick<Actor, "userId" | "admin">) => (actor.admin ? {} : { userId: actor.userId });

/** The report if this actor may see it: their own, or anyone's for an admin. */
export function findVisibleReport(db: PrismaClient, id: string, actor: Pick<Actor, "userId" | "admin">): Promise<Report | null> {
  if (!isReportId(id)) return Promise.resolve(null);
  return db.report.findFirst({ where: { id, ...visibleTo(actor) } });
}

/**
 * The report and its history after `sinceEventId` (all of it from 0; none for
 * null): the SSE stream's catch-up and the polling fallback.
 */
export async function readReportSince(
  db: PrismaClient,
  id: string,
  actor: Actor,
  sinceEventId: bigint | null,
  limit?: number,
): Promise<{ report: Report; events: ReportEvent[] } | null> {
  const [report, events] = await Promise.all([
    findVisibleReport(db, id, actor),
    sinceEventId === null ? [] : db.reportEvent.findMany({ where: { reportId: id, id: { gt: sinceEventId } }, orderBy: { id: "asc" }, take: limit }),
  ]);
  return report ? { report, events } : null;
}

export interface ParamLine {
  label: string;
  value: string;
}

export interface DownloadActivity {
  activeLinks: number;
  totalDownloads: number;
  /** The latest few, newest first. */
  latest: { id: string; at: Date; ip: string | null; withLink: boolean }[];
}

export interface StatusPage {
  report: Report;
  events: ReportEvent[];
  params: ParamLine[];
  downloads: DownloadActivity;
  /** Only the owner may revoke the report's download links (an admin sees them). */
  isOwner: boolean;
}

/** Everything the status page shows, or null when the actor may not see the report. */
export async function readStatusPage(db: PrismaClient, id: string, actor: Actor, now = new Date()): Promise<StatusPage | null> {
  const report = await findVisibleReport(db, id, actor);
  if (!report) return null;
  const [events, params, activeLinks, latest, totalDownloads] = await Promise.all([
    db.reportEvent.findMany({ where: { reportId: id }, orderBy: { id: "asc" } }),
    describeParams(db, report),
    db.downloadLink.count({ where: { reportId: id, revokedAt: null, expiresAt: { gt: now } } }),
    db.download.findMany({ where: { reportId: id }, orderBy: { id: "desc" }, take: 5, select: { id: true, at: true, ip: true, linkId: true } }),
    db.download.count({ where: { reportId: id } }),
  ]);
  return {
    report,
    events,
    params,
    downloads: { activeLinks, totalDownloads, latest: latest.map((d) => ({ id: d.id.toString(), at: d.at, ip: d.ip, withLink: d.linkId !== null })) },
    isOwner: report.userId === actor.userId,
  };
}

/** The report's parameters in the words of its form (labels, option and customer names), in form order. */
async function describeParams(db: PrismaClient, report: Report): Promise<ParamLine[]> {
  const type = getReportType(report.type);
  const params = report.params as Record<string, unknown>;
  if (!type) return Object.entries(params).map(([label, value]) => ({ label, value: String(value) }));
  return Promise.all(
    type.form.map(async (field) => {
      const raw = params[field.name];
      if (field.kind === "select") {
        return { label: field.label, value: field.options.find((o) => o.value === String(raw ?? ""))?.label ?? String(raw) };
      }
      if (field.kind === "customer" && typeof raw === "number") {
        const customer = await db.customer.findUnique({ where: { id: raw }, select: { name: true } });
        return { label: field.label, value: customer ? `${customer.name} (#${raw})` : `#${raw}` };
      }
      return { label: field.label, value: raw === undefined || raw === null ? "—" : String(raw) };
    }),
  );
}

/**
 * Customers a report form's picker suggests for what was typed: the one with
 * that id, then names containing it (at most `limit`; the table can hold
 * 100,000 of them, so the form never lists them all).
 */
export async function searchCustomers(db: PrismaClient, text: string, limit = 20): Promise<{ id: number; name: string }[]> {
  const q = text.trim().replace(/^#/, "").slice(0, 100);
  const byId = /^\d{1,9}$/.test(q) ? await db.customer.findMany({ where: { id: Number(q) }, select: { id: true, name: true } }) : [];
  const byName = await db.customer.findMany({
    where: q ? { name: { contains: q, mode: "insensitive" } } : {},
    select: { id: true, name: true },
    orderBy: { id: "asc" },
    take: limit,
  });
  return [...byId, ...byName.filter((c) => c.id !== byId[0]?.id)].slice(0, limit);
}

export const listQuerySchema = z.strictObject({
  status: z.enum(REPORT_STATUSES).optional(),
  type: z.enum(reportTypeIds).optional(),
  cursor: z.uuid({ error: "Invalid cursor" }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export type ListQuery = z.infer<typeof listQuerySchema>;

/** "My reports" (an admin's: everyone's), newest first. UUIDv7 ids sort by creation time, so the id is the cursor. */
export async function listReports(db: PrismaClient, actor: Actor, q: ListQuery): Promise<{ items: Report[]; nextCursor: string | null }> {
  const rows = await db.report.findMany({
    where: {
      ...visibleTo(actor),
      ...(q.status ? { status: q.status } : {}),
      ...(q.type ? { type: q.type } : {}),
      ...(q.cursor ? { id: { lt: q.cursor } } : {}),
    },
    orderBy: { id: "desc" },
    take: q.limit + 1,
  });
  const items = rows.slice(0, q.limit);
  return { items, nextCursor: rows.length > q.limit ? items.at(-1)!.id : null };
}

export type LinkedReport =
  | { ok: true; report: Report; linkId: string }
  /** Never issued, or revoked (by the owner, or by the owner's removal). */
  | { ok: false; reason: "revoked" }
  /** The link's user no longer owns (or never owned) the report. */
  | { ok: false; reason: "not-found" };

/**
 * The report behind a signed link whose signature checked out. The link stands
 * for its user: the report is looked up as that user would see it, so it
 * stops working the moment they no longer own it — an admin's link included.
 */
export async function readLinkedReport(db: PrismaClient, claims: DownloadLinkClaims): Promise<LinkedReport> {
  const link = await findIssuedLink(db, claims);
  if (!link || link.revokedAt) return { ok: false, reason: "revoked" };
  const report = await findVisibleReport(db, claims.reportId, { userId: claims.userId, admin: false });
  return report ? { ok: true, report, linkId: link.id } : { ok: false, reason: "not-found" };
}

/** Every download is recorded before the file is served (a download that can't be recorded doesn't happen). */
export async function recordDownload(
  db: PrismaClient,
  download: { reportId: string; userId: string; linkId?: string; ip: string | null; userAgent: string | null },
): Promise<void> {
  await db.download.create({
    data: { reportId: download.reportId, userId: download.userId, linkId: download.linkId ?? null, ip: download.ip, userAgent: download.userAgent },
  });
}
