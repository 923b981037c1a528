// generate-report: Queued → Generating (PDF streamed to REPORTS_DIR) → Emailing → Sent.
// Postgres decides what happens: a report already Sent, Failed or Cancelled is
// never worked on again, whatever Redis replays. A report found Emailing (its
// worker died mid-send) is built again; the delivery claim keeps it from being
// emailed twice.
// Every change is published for open status pages.
import { rm } from "node:fs/promises";
import path from "node:path";
import { DELIVERY_LEASE_MS, claimDelivery, markDeliverySent, recordProgress, releaseDelivery, transitionReport, type Report } from "@backline/db";
import { buildReportEmail, reportMessageId } from "@backline/mail";
import { generateReportJob } from "@backline/queue";
import { ReportCancelledError, issueDownloadLink } from "@backline/report-service";
import { describeIssues, getReportType, renderReportToFile } from "@backline/reports";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Processor, ProcessorContext } from "./context.ts";
import { PermanentError, WaitAndRetry, describeFailure, sendSurelyFailed, withOutageRetries, type Failure } from "./failure.ts";
import { throttleProgress } from "./progress.ts";

/** The query before rendering is the first 10 % of the bar. */
const RENDER_START = 10;

/**
 * Outages (SMTP down or answering 4xx, a database or Redis blip) don't spend
 * attempts: the job waits 2 s, 4 s, … up to a minute between tries, for about
 * four minutes in all, before the failure counts as an ordinary attempt.
 */
const OUTAGE_WAITS = 8;
const outageDelayMs = (waitsSoFar: number) => Math.min(60_000, 2000 * 2 ** waitsSoFar) * (0.8 + Math.random() * 0.4);

export const processGenerateReport: Processor<"generate-report"> = async (job, ctx, token) => {
  const payload = generateReportJob.payload.safeParse(job.data);
  if (!payload.success) {
    // Nothing to mark: without a valid id there is no row to update.
    throw new UnrecoverableError(`Invalid generate-report payload: ${payload.error.issues.map((i) => i.path.join(".") || "(root)").join(", ")}`);
  }
  const { reportId } = payload.data;
  // Start first, read after: the conditional start is the check (a Sent,
  // Failed or Cancelled report can't be started), and it returns the row.
  const started = await transitionReport(ctx.db, reportId, "generating", {
    message: "Attempt started",
    workerId: ctx.workerId,
    newAttempt: true,
    // failureReason stays until the report is sent: the next failure compares with it.
    data: { startedAt: new Date(), finishedAt: null, progress: 0, stage: "Querying data" },
  });
  await ctx.publish(started);
  if (!started) {
    const report = await ctx.db.report.findUnique({ where: { id: reportId }, select: { status: true } });
    if (!report) throw new UnrecoverableError(`Report ${reportId} does not exist`);
    ctx.log.info({ reportId, status: report.status }, "report already final; skipping");
    return { skipped: report.status };
  }
  const report = started.report;

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
    // Times this job was put back for later (starts that ended neither in success nor in a counted failure).
    const waitsSoFar = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
    if (token && (err instanceof WaitAndRetry || (failure.outage && waitsSoFar < OUTAGE_WAITS))) {
      const delayMs = err instanceof WaitAndRetry ? err.delayMs : outageDelayMs(waitsSoFar);
      await ctx.publish(
        await transitionReport(ctx.db, report.id, "queued", {
          message: `${failure.reason}; trying again in ${Math.round(delayMs / 1000)} s`,
          workerId: ctx.workerId,
          data: { stage: "Waiting to retry" },
        }),
      );
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
    const final = await recordFailure(job, report.id, failure, ctx);
    // A final failure must not be retried by BullMQ either.
    throw final && !(err instanceof UnrecoverableError) ? new UnrecoverableError(failure.reason) : err;
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

  const relativePath = `${report.id}.pdf`;
  const filePath = path.resolve(ctx.env.REPORTS_DIR, relativePath);
  const progress = throttleProgress(async (p) => ctx.publish(await recordProgress(ctx.db, report.id, { ...p, workerId: ctx.workerId })));
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

/**
 * Sends the report email at most once: claim the delivery in Postgres first,
 * send only with the claim, record the server's answer.
 */
async function email(report: Report, pdf: BuiltPdf, ctx: ProcessorContext) {
  const claim = await claimDelivery(ctx.db, { reportId: report.id, recipient: report.ownerEmail, messageId: reportMessageId(report.id, ctx.env.APP_URL) });
  if (claim.outcome === "busy") {
    // Its claimer may still be sending, or may have died mid-send: wait out the lease, then the claim is ours.
    const leaseEnds = (claim.delivery.claimedAt?.getTime() ?? Date.now()) + DELIVERY_LEASE_MS;
    throw new WaitAndRetry("Another worker may still be sending this email", Math.max(500, leaseEnds - Date.now() + 250));
  }
  if (claim.outcome === "claimed") {
    if (claim.ambiguous) {
      ctx.log.warn({ reportId: report.id, messageId: claim.delivery.messageId }, "resending after an ambiguous SMTP failure");
      await ctx.publish(
        await transitionReport(ctx.db, report.id, "emailing", {
          message: "Resending: the last attempt's connection broke after the message was sent, so the server may have it; same Message-ID",
          workerId: ctx.workerId,
        }),
      );
    }
    // Only the claimant makes the emailed link, so a run that sends nothing leaves no link behind.
    const link = await issueDownloadLink(ctx.db, {
      reportId: report.id,
      userId: report.userId,
      channel: "email",
      appUrl: ctx.env.APP_URL,
      ttlHours: ctx.env.DOWNLOAD_LINK_TTL_HOURS,
      keys: { secret: ctx.env.DOWNLOAD_LINK_SECRET, previousSecrets: ctx.env.DOWNLOAD_LINK_PREVIOUS_SECRETS },
    });
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
      downloadUrl: link.url,
      downloadExpiresAt: link.expiresAt,
    });
    let info;
    try {
      info = await ctx.mail.sendMail(message);
    } catch (err) {
      // Left in `sending` when the server may have the message: the next claim knows.
      if (sendSurelyFailed(err)) await releaseDelivery(ctx.db, claim.delivery.id, (err as { response?: string }).response ?? (err as Error).message);
      throw err;
    }
    // The server has it: recording that must survive a database blip, or the
    // next attempt would have to treat the send as ambiguous and resend.
    const response = info.response;
    await withOutageRetries(() => markDeliverySent(ctx.db, claim.delivery.id, response));
  }
  const sent = await transitionReport(ctx.db, report.id, "sent", {
    message: claim.outcome === "already-sent" ? `Already emailed to ${report.ownerEmail}; not sending again` : `Emailed to ${report.ownerEmail}`,
    workerId: ctx.workerId,
    data: { stage: "Sent", messageId: claim.delivery.messageId, finishedAt: new Date(), failureReason: null },
  });
  await ctx.publish(sent);
}

/**
 * Final failure (permanent, out of attempts, or the same non-outage failure
 * twice in a row — retrying a bug only delays the answer) or a retry.
 * Returns whether it was final.
 */
async function recordFailure(job: Job, reportId: string, failure: Failure, ctx: ProcessorContext): Promise<boolean> {
  const previous = (await ctx.db.report.findUnique({ where: { id: reportId }, select: { failureReason: true } }))?.failureReason;
  const repeated = !failure.permanent && !failure.outage && previous === failure.reason;
  const outOfAttempts = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const final = failure.permanent || repeated || outOfAttempts;
  ctx.log.warn({ reportId, attempt: job.attemptsMade + 1, err: failure.reason, final }, "report attempt failed");
  const change = final
    ? await transitionReport(ctx.db, reportId, "failed", {
        message: repeated ? `Failed the same way twice in a row, so stopped early: ${failure.reason}` : `Failed: ${failure.reason}`,
        workerId: ctx.workerId,
        data: { failureReason: failure.reason, stage: "Failed", finishedAt: new Date() },
      })
    : await transitionReport(ctx.db, reportId, "queued", {
        message: `Attempt ${job.attemptsMade + 1} failed (${failure.reason}); retrying`,
        workerId: ctx.workerId,
        data: { stage: "Waiting to retry", failureReason: failure.reason },
      });
  await ctx.publish(change);
  return final;
}
