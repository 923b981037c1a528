// Accepting a report request: validate, write the row, enqueue — nothing slow.
// Shared by POST /api/reports and its tests.
import "server-only";
import { createReport, transitionReport, type Prisma } from "@backline/db";
import { enqueue } from "@backline/queue";
import { getReportType, reportTypeIds } from "@backline/reports";
import { z } from "zod";
import { db } from "./db";
import { reportsQueue } from "./queue";

export const reportRequestSchema = z.strictObject({
  type: z.string({ error: "Choose a report type" }),
  params: z.record(z.string(), z.unknown(), { error: "Must be an object" }).optional(),
  email: z.email({ error: "Enter a valid email address" }).max(254),
});

export interface FieldIssue {
  path: string;
  message: string;
}

export type AcceptResult =
  | { ok: true; report: { id: string; type: string; status: "queued" } }
  | { ok: false; status: 400 | 503; error: string; issues: FieldIssue[] };

const toIssues = (issues: z.core.$ZodIssue[], prefix: string[] = []): FieldIssue[] =>
  issues.map((i) => ({ path: [...prefix, ...i.path.map(String)].join("."), message: i.message }));

export async function acceptReportRequest(body: unknown): Promise<AcceptResult> {
  const request = reportRequestSchema.safeParse(body);
  const type = request.success ? getReportType(request.data.type) : undefined;
  if (!request.success || !type) {
    const issues = request.success ? [] : toIssues(request.error.issues);
    if (request.success) issues.push({ path: "type", message: `Unknown report type; expected one of ${reportTypeIds.join(", ")}` });
    return { ok: false, status: 400, error: "Invalid report request", issues };
  }
  const params = type.params.safeParse(request.data.params ?? {});
  if (!params.success) {
    return { ok: false, status: 400, error: "Invalid report parameters", issues: toIssues(params.error.issues, ["params"]) };
  }

  // The row first: once it exists the request is accepted and kept.
  const report = await createReport(db(), {
    type: type.id,
    params: params.data as Prisma.InputJsonValue,
    ownerEmail: request.data.email,
  });
  try {
    await enqueue(reportsQueue(), "generate-report", { reportId: report.id }, { jobId: report.id });
  } catch (err) {
    // Without a reconciler (planned) an un-enqueued row would wait forever, so
    // say so honestly rather than leave it Queued.
    await transitionReport(db(), report.id, "failed", {
      message: `Could not queue the report: ${(err as Error).message}`,
      data: { failureReason: "The job queue (Redis) was unavailable; please try again.", stage: "Failed" },
    });
    return { ok: false, status: 503, error: "The job queue is unavailable; check REDIS_URL", issues: [] };
  }
  return { ok: true, report: { id: report.id, type: report.type, status: "queued" } };
}
