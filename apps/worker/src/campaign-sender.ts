// Sends running campaigns, in every worker process, beside the BullMQ workers
// (whose slots stay free for people's reports and sign-in links: a campaign
// never makes a click wait in line). The loop claims a batch of recipients from
// Postgres (packages/campaigns recipient-ledger.ts), renders each one's own
// PDF, takes a slot of the shared send rate, moves the recipient to `sending`,
// sends, and records the outcome. A campaign paused or cancelled is seen within
// a second (its status is re-read that often) and its unsent claims go back.
// An SMTP outage puts recipients back for later instead of failing them; a
// run of refusals trips the breaker, which pauses the campaign with the reason.
import path from "node:path";
import {
  campaignPdfFolder,
  campaignStatuses,
  optOutUrl,
  claimRecipients,
  completeIfDone,
  markFinished,
  markSent,
  pauseCampaign,
  recentFailureShare,
  release,
  releaseAfterFailedSend,
  renewClaim,
  runningCampaigns,
  startDueCampaigns,
  startSending,
  type ClaimedRecipient,
} from "@backline/campaigns";
import { issuesLine } from "@backline/config/field-issues";
import type { PrismaClient } from "@backline/db";
import { CampaignAttachmentTooLarge, buildCampaignEmail, campaignMessageId, type MailTransport } from "@backline/mail";
import { takeSendSlot } from "@backline/queue";
import { parseReport, recipientParams, renderReport } from "@backline/reports";
import type { Storage } from "@backline/storage";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { WorkerEnv } from "./env.ts";
import { describeFailure, sendSurelyFailed, withOutageRetries } from "./processors/failure.ts";

export interface CampaignSenderOptions {
  db: PrismaClient;
  redis: Redis;
  mail: MailTransport;
  /** Where the recipients' PDFs are written (STORAGE_URL). */
  storage: Storage;
  log: Logger;
  prefix: string;
  env: Pick<
    WorkerEnv,
    | "MAIL_FROM"
    | "APP_URL"
    | "MAIL_ATTACHMENT_MAX_BYTES"
    | "CAMPAIGN_CONCURRENCY"
    | "CAMPAIGN_BATCH_SIZE"
    | "CAMPAIGN_LEASE_MS"
    | "CAMPAIGN_BREAKER_WINDOW"
    | "CAMPAIGN_BREAKER_FAILURE_SHARE"
    | "DOWNLOAD_LINK_SECRET"
  >;
  /** The campaigns' share of the mail rate (mailRates). */
  mailPerSecond: number;
  /** How long to wait when there is nothing to send. */
  idleMs?: number;
}

/** How long recipients wait after the mail server was down or said "later" (it doubles per outage, to a minute). */
const outageDelayMs = (outages: number) => Math.min(60_000, 2000 * 2 ** Math.min(outages, 5));

interface RunningCampaign {
  id: string;
  type: string;
  params: Record<string, unknown>;
  ratePerSecond: number | null;
}

export function startCampaignSender(options: CampaignSenderOptions) {
  const { db, log, env, storage } = options;
  const idleMs = options.idleMs ?? 1000;
  const stop = new AbortController();
  let outages = 0;

  /** The campaigns' statuses, re-read at most once a second: a pause or cancel stops the senders within about that. */
  const statuses = new Map<string, string>();
  let statusesReadAt = 0;
  async function isRunning(id: string): Promise<boolean> {
    if (Date.now() - statusesReadAt > 1000) {
      statusesReadAt = Date.now();
      for (const [k, v] of await campaignStatuses(db, [...new Set([...statuses.keys(), id])])) statuses.set(k, v);
    }
    if (!statuses.has(id)) {
      for (const [k, v] of await campaignStatuses(db, [id])) statuses.set(k, v);
    }
    return statuses.get(id) === "running";
  }

  async function sendOne(campaign: RunningCampaign, r: ClaimedRecipient, token: string): Promise<"done" | "released" | "outage"> {
    if (!(await isRunning(campaign.id))) {
      await release(db, r.id, token);
      return "released";
    }
    if (r.optedOut) {
      await markFinished(db, r.id, token, "skipped", "Opted out of campaign email");
      return "done";
    }
    const parsed = parseReport(campaign.type, recipientParams(campaign.type, campaign.params, r.customerId));
    if (!parsed.ok) {
      await markFinished(db, r.id, token, "failed", `Invalid parameters: ${issuesLine(parsed.issues)}`);
      return "done";
    }
    // Each claim renders its own object: one that lost its claim can't touch the one another claim emails.
    const relativePath = path.posix.join(campaignPdfFolder(campaign.id), `${r.id}-c${r.claims}.pdf`);
    let rendered: Awaited<ReturnType<typeof renderReport>>;
    try {
      rendered = await renderReport({
        report: parsed.report,
        db,
        output: () => storage.write(relativePath),
        reportId: `campaign-${campaign.id}-${r.id}`,
        generatedAt: new Date(),
      });
    } catch (err) {
      const failure = describeFailure(err);
      if (!failure.permanent) throw err;
      await markFinished(db, r.id, token, "failed", failure.reason);
      return "done";
    }

    const messageId = campaignMessageId({ campaignId: campaign.id, customerId: r.customerId, from: env.MAIL_FROM });
    let message: ReturnType<typeof buildCampaignEmail>;
    try {
      message = buildCampaignEmail({
        campaignId: campaign.id,
        recipientId: r.id,
        to: r.email,
        from: env.MAIL_FROM,
        appUrl: env.APP_URL,
        title: parsed.report.type.title,
        summary: rendered.summary,
        highlights: rendered.highlights,
        fileName: rendered.fileName,
        // Opened only when the message is written to the server: nothing is held while it waits for its send slot.
        pdf: storage.read(relativePath),
        fileBytes: rendered.bytes,
        attachmentMaxBytes: env.MAIL_ATTACHMENT_MAX_BYTES,
        messageId,
        unsubscribeUrl: optOutUrl(env.APP_URL, r.id, env.DOWNLOAD_LINK_SECRET),
      });
    } catch (err) {
      if (!(err instanceof CampaignAttachmentTooLarge)) throw err;
      await storage.delete(relativePath);
      await markFinished(db, r.id, token, "failed", "The PDF is too large to attach, and a campaign recipient has no account to download it from.");
      return "done";
    }
    await takeSendSlot(
      options.redis,
      options.prefix,
      [
        { name: "campaigns", perSecond: options.mailPerSecond },
        ...(campaign.ratePerSecond ? [{ name: `campaign:${campaign.id}`, perSecond: campaign.ratePerSecond }] : []),
      ],
      stop.signal,
    );
    if (!(await isRunning(campaign.id)) || !(await startSending(db, r.id, token, { messageId, filePath: relativePath, fileBytes: rendered.bytes }))) {
      await storage.delete(relativePath);
      await release(db, r.id, token);
      return "released";
    }
    if (r.ambiguous) log.warn({ campaignId: campaign.id, recipientId: r.id.toString(), messageId }, "Resending a campaign email whose first send broke off");
    try {
      const info = await options.mail.sendMail(message);
      await withOutageRetries(() => markSent(db, r.id, token, String(info.response ?? "")));
      return "done";
    } catch (err) {
      const failure = describeFailure(err);
      log.info({ campaignId: campaign.id, recipientId: r.id.toString(), err: failure.detail ?? failure.reason }, "campaign email not sent");
      if (!sendSurelyFailed(err)) return "outage"; // maybe sent: left `sending`, resent with the same Message-ID after the lease
      if (failure.permanent) {
        await markFinished(db, r.id, token, "failed", failure.reason, failure.detail);
        await breaker(campaign.id);
        return "done";
      }
      // Surely not taken: back to pending (the recipients given back before their send use release, which keeps an ambiguous one ambiguous).
      await releaseAfterFailedSend(db, r.id, token, outageDelayMs(outages));
      return "outage";
    }
  }

  /** Pauses a campaign whose recent sends mostly failed (the server refusing everything, a bad list). */
  async function breaker(campaignId: string) {
    const { failed, of, lastReason } = await recentFailureShare(db, campaignId, env.CAMPAIGN_BREAKER_WINDOW);
    if (of >= env.CAMPAIGN_BREAKER_WINDOW && failed / of >= env.CAMPAIGN_BREAKER_FAILURE_SHARE) {
      const reason = `Paused itself: ${failed} of the last ${of} emails failed (the last: ${lastReason ?? "no reason recorded"}). Resume it once that is fixed.`;
      if (await pauseCampaign(db, campaignId, reason)) log.warn({ campaignId, failed, of }, "campaign paused by the failure breaker");
    }
  }

  /** One claimed batch, `CAMPAIGN_CONCURRENCY` recipients at a time, its lease renewed while it runs. */
  async function sendBatch(campaign: RunningCampaign): Promise<number> {
    const claim = await claimRecipients(db, campaign.id, env.CAMPAIGN_BATCH_SIZE, env.CAMPAIGN_LEASE_MS);
    if (claim.recipients.length === 0) return 0;
    const renew = setInterval(() => void renewClaim(db, claim.token, env.CAMPAIGN_LEASE_MS).catch(() => {}), env.CAMPAIGN_LEASE_MS / 3);
    const queue = [...claim.recipients];
    let hadOutage = false;
    try {
      await Promise.all(
        Array.from({ length: Math.min(env.CAMPAIGN_CONCURRENCY, queue.length) }, async () => {
          for (let r = queue.shift(); r; r = queue.shift()) {
            if (stop.signal.aborted || hadOutage) {
              await release(db, r.id, claim.token).catch(() => {});
              continue;
            }
            const outcome = await sendOne(campaign, r, claim.token).catch(async (err: Error) => {
              log.warn({ campaignId: campaign.id, recipientId: r.id.toString(), err: err.message }, "campaign recipient put back after an error");
              await release(db, r.id, claim.token, outageDelayMs(outages)).catch(() => {});
              return "outage" as const;
            });
            if (outcome === "outage") hadOutage = true;
          }
        }),
      );
    } finally {
      clearInterval(renew);
    }
    outages = hadOutage ? outages + 1 : 0;
    return claim.recipients.length;
  }

  const done = (async () => {
    while (!stop.signal.aborted) {
      let sent = 0;
      try {
        await startDueCampaigns(db);
        for (const c of await runningCampaigns(db)) {
          const campaign: RunningCampaign = { id: c.id, type: c.type, params: c.params as Record<string, unknown>, ratePerSecond: c.ratePerSecond };
          const n = await sendBatch(campaign);
          if (n === 0 && (await completeIfDone(db, c.id))) log.info({ campaignId: c.id }, "campaign completed");
          sent += n;
          if (stop.signal.aborted) break;
        }
      } catch (err) {
        log.warn({ err: (err as Error).message }, "campaign sender: will try again");
      }
      // Nothing claimed (or the mail server is down): wait a moment, longer while it stays down.
      if (!stop.signal.aborted && (sent === 0 || outages > 0)) await sleep(outages > 0 ? outageDelayMs(outages - 1) : idleMs, stop.signal);
    }
  })();

  return {
    /** Stops claiming; the recipients being sent finish, the rest of the batch goes back to pending. */
    async stop() {
      stop.abort();
      await done;
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
