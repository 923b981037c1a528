// "My reports": the signed-in person's reports (an admin's: everyone's), filtered and paginated.
import "server-only";
import type { Actor } from "@backline/report-service";
import { reportTypeIds } from "@backline/reports";
import { z } from "zod";
import { REPORT_STATUSES } from "@/lib/report-view";
import { db } from "./db";

export const listQuerySchema = z.strictObject({
  status: z.enum(REPORT_STATUSES).optional(),
  type: z.enum(reportTypeIds).optional(),
  cursor: z.uuid({ error: "Invalid cursor" }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export type ListQuery = z.infer<typeof listQuerySchema>;

/** Newest first. UUIDv7 ids sort by creation time, so the id is the cursor. */
export async function listReports(actor: Actor, q: ListQuery) {
  const rows = await db().report.findMany({
    where: {
      ...(actor.admin ? {} : { userId: actor.userId }),
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
