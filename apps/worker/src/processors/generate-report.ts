// generate-report: Queued → Generating (PDF streamed to REPORTS_DIR) → Emailing → Sent.
// Postgres decides what happens: a report already Sent, Failed or Cancelled is
// never worked on again, whatever Redis replays. A report found Emailing (its
// worker died mid-send) is built again; issue #4's delivery claim makes that safe.
// Every change is published for open status pages.
import { rm } from "node:fs/promises";
import path from "node:path";
import { FINAL_STATUSES, recordProgress, transitionReport, type Report } from "@backline/db";
import { buildReportEmail } from "@backline/mail";
import { generateReportJob } from "@backline/queue";
import { ReportCancelledError } from "@backline/report-service";
import { describeIssues, getReportType, renderReportToFile } from "@backline/reports";
import { UnrecoverableError, type Job } from "bullmq";
import type { Processor, ProcessorContext } from "./context.ts";
import { PermanentError, describeFailure, type Failure } from "./failure.ts";
import { throttleProgress } from "./progress.ts";

/** The query before rendering is the first 10 % of the bar. */
const RENDER_START = 10;

export const processGenerateReport: Processor<"generate-report"> = async (job, ctx) => {
  const payload = generateReportJob.payload.safeParse(job.data);
  if (!payload.success) {
    // Nothing to mark: without a valid id there is no row to update.
    throw new UnrecoverableError(`Invalid generate-report payload: ${payload.error.issues.map((i) => i.path.join(".") || "(root)").join(", ")}`);
  }
  const { reportId } = payload.data;
  const report = await ctx.db.report.findUnique({ where: { id: reportId } });
  if (!report) throw new UnrecoverableError(`Report ${reportId} does not exist`);
  if (FINAL_STATUSES.includes(report.status)) {
    ctx.log.info({ reportId, status: report.status }, "report already final; skipping");
    return { skipped: report.status };
  }

  const cancellation = ctx.cancellations.track(reportId);
  try {
    const built = await generate(report, ctx, cancellation.signal);
    if (!built) return { skipped: "status changed" };
    await email(report, built, ctx);
    return { sent: true };
  } catch (err) {
    if (cancellation.signal.aborted || err instanceof ReportCancelledError) {
      ctx.log.info({ reportId }, "report cancelled; stopped");
      return { cancelled: true };
    }
    const failure = describeFailure(err);
    await recordFailure(job, report.id, failure, ctx);
    // A permanent failure must not be retried by BullMQ either.
    throw failure.permanent && !(err instanceof UnrecoverableError) ? new UnrecoverableError(failure.reason) : err;
  } finally {
    cancellation.release();
  }
};

interface BuiltPdf {
  fileName: string;
  filePath: string;
  bytes: number;
  title: string;
  summary: string;
}

async function generate(report: Report, ctx: ProcessorContext, signal: AbortSignal): Promise<BuiltPdf | null> {
  const type = getReportType(report.type);
  if (!type) throw new PermanentError(`Unknown report type "${report.type}"`);
  const params = type.params.safeParse(report.params);
  if (!params.success) throw new PermanentError(`Invalid parameters: ${describeIssues(params.error)}`);

  const started = await transitionReport(ctx.db, report.id, "generating", {
    message: `Attempt ${report.attempts + 1} started`,
    workerId: ctx.workerId,
    newAttempt: true,
    data: { startedAt: new Date(), finishedAt: null, progress: 0, stage: "Querying data", failureReason: null },
  });
  await ctx.publish(started);
  if (!started) return null;

  const relativePath = `${report.id}.pdf`;
  const filePath = path.resolve(ctx.env.REPORTS_DIR, relativePath);
  const progress = throttleProgress(async (p) => ctx.publish(await recordProgress(ctx.db, report.id, { ...p, workerId: ctx.workerId })));
  progress.report({ percent: 1, stage: "Querying data" });
  const result = await renderReportToFile({
    type,
    params: params.data,
    db: ctx.db,
    filePath,
    reportId: report.id,
    generatedAt: new Date(),
    signal,
    onProgress: (p) => progress.report({ percent: RENDER_START + (p.percent * (100 - RENDER_START)) / 100, stage: p.stage }),
  });
  await progress.flush();

  const emailing = await transitionReport(ctx.db, report.id, "emailing", {
    message: `PDF ready: ${result.pages} page${result.pages === 1 ? "" : "s"}`,
    workerId: ctx.workerId,
    data: { progress: 100, stage: "Emailing", filePath: relativePath, fileBytes: result.bytes, pageCount: result.pages },
  });
  await ctx.publish(emailing);
  if (!emailing) {
    // Cancelled (or otherwise moved on) while rendering: the PDF must not linger.
    await rm(filePath, { force: true });
    return null;
  }
  return { fileName: result.fileName, filePath, bytes: result.bytes, title: type.title, summary: result.summary };
}

async function email(report: Report, pdf: BuiltPdf, ctx: ProcessorContext) {
  const message = buildReportEmail({
    reportId: report.id,
    to: report.ownerEmail,
    from: ctx.env.MAIL_FROM,
    appUrl: ctx.env.APP_URL,
    title: pdf.title,
    summary: pdf.summary,
    fileName: pdf.fileName,
    filePath: pdf.filePath,
    fileBytes: pdf.bytes,
    attachmentMaxBytes: ctx.env.MAIL_ATTACHMENT_MAX_BYTES,
  });
  const info = await ctx.mail.sendMail(message);
  const sent = await transitionReport(ctx.db, report.id, "sent", {
    message: `Emailed to ${report.ownerEmail}`,
    workerId: ctx.workerId,
    data: { stage: "Sent", messageId: info.messageId, finishedAt: new Date() },
  });
  await ctx.publish(sent);
}

async function recordFailure(job: Job, reportId: string, failure: Failure, ctx: ProcessorContext) {
  const lastAttempt = failure.permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  ctx.log.warn({ reportId, attempt: job.attemptsMade + 1, err: failure.reason, lastAttempt }, "report attempt failed");
  const change = lastAttempt
    ? await transitionReport(ctx.db, reportId, "failed", {
        message: `Failed: ${failure.reason}`,
        workerId: ctx.workerId,
        data: { failureReason: failure.reason, stage: "Failed", finishedAt: new Date() },
      })
    : await transitionReport(ctx.db, reportId, "queued", {
        message: `Attempt ${job.attemptsMade + 1} failed (${failure.reason}); retrying`,
        workerId: ctx.workerId,
        data: { stage: "Waiting to retry" },
      });
  await ctx.publish(change);
}
