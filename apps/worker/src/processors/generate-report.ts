// generate-report: Queued → Generating (PDF streamed to storage: STORAGE_URL) → Emailing → Sent.
// Postgres decides what happens: a report already Sent, Failed or Cancelled is
// never worked on again, whatever Redis replays. A report found Emailing (its
// worker died mid-send) is built again; the delivery claim keeps it from being
// emailed twice.
// Fencing: starting returns this attempt's number, and every later write of the
// attempt (status, progress, delivery claim) holds only while it is still the
// current one. A worker that lost its job lock without dying (a pause, a Redis
// blip) and carries on after another worker took over changes nothing, and it
// renders into an object of its own (`<id>-a<attempt>.pdf`: a file, or an S3 key
// visible only once its upload completed), so it can't touch the PDF that the
// report's row points to.
// Every change is published for open status pages.
import { describeIssues, issuesLine } from "@backline/config";
import { DELIVERY_LEASE_MS, claimDelivery, markDeliverySent, recordProgress, releaseDelivery, transitionReport, type Report } from "@backline/db";
import { buildReportEmail, reportMessageId } from "@backline/mail";
import { generateReportJob } from "@backline/queue";
import { ReportCancelledError, issueDownloadLink } from "@backline/report-service";
import {
  DEFAULT_RENDER_OPTIONS,
  EmptyReportError,
  parseRenderOptions,
  parseReport,
  renderReport,
  type RenderOptions,
  type ReportHighlights,
} from "@backline/reports";
import { unsubscribeUrl } from "@backline/schedules";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Processor, ProcessorContext } from "./context.ts";
import { PermanentError, WaitAndRetry, describeFailure, sendSurelyFailed, withOutageRetries, type Failure } from "./failure.ts";
import { notifyReportFailed } from "../notifications.ts";
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

export const processGenerateReport: Processor<"generate-report"> = async (job, workerCtx, token) => {
  let ctx = workerCtx;
  const payload = generateReportJob.payload.safeParse(job.data);
  if (!payload.success) {
    // Nothing to mark: without a valid id there is no row to update.
    throw new UnrecoverableError(`Invalid generate-report payload: ${describeIssues(payload.error.issues)}`);
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
  const attempt = report.attempts;
  // From here every log line about the report carries its ids, the click's request id among them.
  ctx = {
    ...ctx,
    log: ctx.log.child({ reportId, jobId: job.id, attempt, requestId: report.requestId ?? undefined, scheduleId: report.scheduleId ?? undefined }),
  };

  const cancellation = ctx.cancellations.track(reportId);
  try {
    // A schedule's run: its schedule decides about empty reports, and its email says where it comes from. (Null once deleted.)
    const schedule = report.scheduleId ? await ctx.db.schedule.findUnique({ where: { id: report.scheduleId }, select: { id: true, skipIfEmpty: true } }) : null;
    const built = await generate(report, ctx, cancellation.signal, schedule?.skipIfEmpty ?? false);
    if (built === "skipped") {
      ctx.log.info({ reportId, scheduleId: report.scheduleId }, "scheduled report had no data; skipped, nothing sent");
      return { skipped: "no data" };
    }
    if (!built) {
      ctx.log.info({ reportId, attempt }, "report cancelled or taken over while rendering; stopped, own PDF removed");
      return { skipped: "status changed" };
    }
    if (!(await email(report, built, ctx, schedule))) return await superseded(report.id, attempt, ctx);
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
      ctx.log.info({ reportId, attempt, err: failure.detail ?? failure.reason, delayMs }, "waiting before trying again");
      const waiting = await transitionReport(ctx.db, report.id, "queued", {
        message: `${failure.reason}; trying again in ${Math.round(delayMs / 1000)} s`,
        workerId: ctx.workerId,
        attempt,
        data: { stage: "Waiting to retry" },
      });
      await ctx.publish(waiting);
      // Superseded (or cancelled) meanwhile: the job is another worker's now; leave it be.
      if (!waiting) return await superseded(report.id, attempt, ctx);
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
    const final = await recordFailure(job, report.id, attempt, failure, ctx);
    // A final failure must not be retried by BullMQ either.
    throw final && !(err instanceof UnrecoverableError) ? new UnrecoverableError(failure.reason) : err;
  } finally {
    cancellation.release();
  }
};

interface BuiltPdf {
  fileName: string;
  /** The storage key, as the row records it (`<id>-a<n>.pdf`). */
  relativePath: string;
  bytes: number;
  pages: number;
  title: string;
  summary: string;
  highlights: ReportHighlights;
  /** The locale the PDF was written for; the email's dates follow it. */
  locale: string;
}

/**
 * Paper size and locale of a report's PDF and email: the one place the worker
 * decides them — the owner's preferences (set on /settings, first defaulted from
 * their browser's language), else US Letter and en-US.
 */
async function renderOptionsFor(report: Report, ctx: ProcessorContext): Promise<RenderOptions> {
  const owner = await ctx.db.user.findUnique({ where: { id: report.userId }, select: { paperSize: true, locale: true } });
  try {
    return parseRenderOptions({ paperSize: (owner?.paperSize ?? undefined) as RenderOptions["paperSize"] | undefined, locale: owner?.locale ?? undefined });
  } catch {
    return DEFAULT_RENDER_OPTIONS; // a preference this version no longer accepts: the defaults rather than a failed report
  }
}

/** The PDF; null when the report was cancelled or taken over meanwhile; "skipped" for an empty schedule run that skips those. */
async function generate(report: Report, ctx: ProcessorContext, signal: AbortSignal, skipIfEmpty: boolean): Promise<BuiltPdf | "skipped" | null> {
  const parsed = parseReport(report.type, report.params);
  if (!parsed.ok) throw new PermanentError(`${parsed.error}: ${issuesLine(parsed.issues)}`);

  const attempt = report.attempts;
  const relativePath = attemptFileName(report.id, attempt);
  const progress = throttleProgress(async (p) => ctx.publish(await recordProgress(ctx.db, report.id, { ...p, workerId: ctx.workerId, attempt })));
  let result: Awaited<ReturnType<typeof renderReport>>;
  try {
    result = await renderReport({
      report: parsed.report,
      db: ctx.db,
      output: () => ctx.storage.write(relativePath),
      reportId: report.id,
      generatedAt: new Date(),
      ...(await renderOptionsFor(report, ctx)),
      signal,
      skipIfEmpty,
      onProgress: (p) => progress.report({ percent: RENDER_START + (p.percent * (100 - RENDER_START)) / 100, stage: p.stage }),
    });
  } catch (err) {
    if (!(err instanceof EmptyReportError)) throw err;
    await progress.flush();
    const skipped = await transitionReport(ctx.db, report.id, "skipped", {
      message: "No data for this run; its schedule skips empty reports, so nothing was sent",
      workerId: ctx.workerId,
      attempt,
      data: { stage: "Skipped — no data", finishedAt: new Date() },
    });
    await ctx.publish(skipped);
    return skipped ? "skipped" : null;
  }
  await progress.flush();

  const emailing = await transitionReport(ctx.db, report.id, "emailing", {
    message: `PDF ready: ${result.pages} page${result.pages === 1 ? "" : "s"}`,
    workerId: ctx.workerId,
    attempt,
    data: { progress: 100, stage: "Emailing", filePath: relativePath, fileBytes: result.bytes, pageCount: result.pages },
  });
  await ctx.publish(emailing);
  if (!emailing) {
    // Cancelled or superseded while rendering: this attempt's own PDF must not linger.
    await ctx.storage.delete(relativePath);
    return null;
  }
  return {
    fileName: result.fileName,
    relativePath,
    bytes: result.bytes,
    pages: result.pages,
    title: parsed.report.type.title,
    summary: result.summary,
    highlights: result.highlights,
    locale: result.options.locale,
  };
}

/** Each attempt renders into its own file; the report row names the one that was emailed. */
const attemptFileName = (reportId: string, attempt: number) => `${reportId}-a${attempt}.pdf`;

/**
 * Sends the report email at most once: claim the delivery in Postgres first,
 * send only with the claim, record the server's answer. False when this
 * attempt turned out to be superseded (nothing sent, nothing changed).
 */
async function email(report: Report, pdf: BuiltPdf, ctx: ProcessorContext, schedule: { id: string } | null): Promise<boolean> {
  const attempt = report.attempts;
  const claim = await claimDelivery(ctx.db, {
    reportId: report.id,
    attempt,
    recipient: report.ownerEmail,
    // On MAIL_FROM's domain, the same for every attempt: a resend is recognisably the same message.
    messageId: reportMessageId({ reportId: report.id, from: ctx.env.MAIL_FROM }),
    file: { path: pdf.relativePath, bytes: pdf.bytes, pages: pdf.pages },
  });
  if (claim.outcome === "superseded") return false;
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
          attempt,
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
      highlights: pdf.highlights,
      locale: pdf.locale,
      // The one recorded with the claim: a resend carries exactly the first send's Message-ID.
      messageId: claim.delivery.messageId,
      fileName: pdf.fileName,
      // Opened only when the message is written to the SMTP server (a folder's file, or the object streamed from S3).
      pdf: ctx.storage.read(pdf.relativePath),
      fileBytes: pdf.bytes,
      attachmentMaxBytes: ctx.env.MAIL_ATTACHMENT_MAX_BYTES,
      downloadUrl: link.url,
      downloadExpiresAt: link.expiresAt,
      // A schedule's run: one-click unsubscribe (pauses the schedule), a link to manage it, and its id.
      ...(schedule && {
        unsubscribeUrl: unsubscribeUrl(ctx.env.APP_URL, schedule.id, { secret: ctx.env.DOWNLOAD_LINK_SECRET }),
        manageUrl: new URL(`/schedules/${schedule.id}`, ctx.env.APP_URL).toString(),
        headers: { "X-Schedule-Id": schedule.id },
      }),
    });
    let info: { response: string };
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
    ctx.log.info({ messageId: claim.delivery.messageId, pages: pdf.pages, bytes: pdf.bytes }, "report emailed");
  }
  // Already sent by an earlier attempt: the report is the PDF that went out, not this attempt's.
  const emailed = claim.outcome === "already-sent" && claim.delivery.filePath ? claim.delivery : null;
  const sent = await transitionReport(ctx.db, report.id, "sent", {
    message: claim.outcome === "already-sent" ? `Already emailed to ${report.ownerEmail}; not sending again` : `Emailed to ${report.ownerEmail}`,
    workerId: ctx.workerId,
    attempt,
    data: {
      stage: "Sent",
      messageId: claim.delivery.messageId,
      finishedAt: new Date(),
      failureReason: null,
      ...(emailed && { filePath: emailed.filePath, fileBytes: emailed.fileBytes, pageCount: emailed.pageCount }),
    },
  });
  await ctx.publish(sent);
  // This attempt's own PDF is nobody's when another one went out (the row now names that one).
  if (emailed && emailed.filePath !== pdf.relativePath) await ctx.storage.delete(pdf.relativePath);
  return sent !== null;
}

/**
 * Another worker took this report over (or it was cancelled) while this attempt ran on:
 * it stops, and removes its own PDF unless that is the one that was emailed (then the
 * attempt that finishes the report points the row to it).
 */
async function superseded(reportId: string, attempt: number, ctx: ProcessorContext) {
  const own = attemptFileName(reportId, attempt);
  const emailedWithIt = await ctx.db.delivery.count({ where: { reportId, filePath: own, status: "sent" } });
  if (emailedWithIt === 0) await ctx.storage.delete(own);
  ctx.log.warn({ reportId, attempt }, "attempt superseded by another worker; stopped, changing nothing");
  return { superseded: true };
}

/**
 * Final failure (permanent, out of attempts, or the same non-outage failure
 * twice in a row — retrying a bug only delays the answer) or a retry.
 * Returns whether it was final.
 */
async function recordFailure(job: Job, reportId: string, attempt: number, failure: Failure, ctx: ProcessorContext): Promise<boolean> {
  const previous = (await ctx.db.report.findUnique({ where: { id: reportId }, select: { failureReason: true } }))?.failureReason;
  const repeated = !failure.permanent && !failure.outage && previous === failure.reason;
  const outOfAttempts = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const final = failure.permanent || repeated || outOfAttempts;
  ctx.log.warn({ reportId, attempt: job.attemptsMade + 1, err: failure.detail ?? failure.reason, reason: failure.reason, final }, "report attempt failed");
  const change = final
    ? await transitionReport(ctx.db, reportId, "failed", {
        message: repeated ? `Failed the same way twice in a row, so stopped early: ${failure.reason}` : `Failed: ${failure.reason}`,
        workerId: ctx.workerId,
        attempt,
        data: { failureReason: failure.reason, stage: "Failed", finishedAt: new Date() },
      })
    : await transitionReport(ctx.db, reportId, "queued", {
        message: `Attempt ${job.attemptsMade + 1} failed (${failure.reason}); retrying`,
        workerId: ctx.workerId,
        attempt,
        data: { stage: "Waiting to retry", failureReason: failure.reason },
      });
  await ctx.publish(change);
  if (final && change && ctx.env.NOTIFY_REQUESTER_ON_FAILURE) await notifyReportFailed(change.report, ctx);
  return final;
}
