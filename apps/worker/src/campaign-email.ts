// The email each campaign recipient gets: their PDF, a deterministic
// Message-ID per campaign and customer (a resend after a broken connection is
// recognisably the same message), X-Campaign-Id and X-Campaign-Recipient, and a
// one-click List-Unsubscribe (RFC 8058) that records an opt-out.
import { optOutUrl } from "@backline/campaigns";
import { escapeHtml, headerText } from "@backline/mail/text";
import type { SendMailOptions } from "nodemailer";

/** `<campaign-<id>-<customer>@<MAIL_FROM's domain>>`. */
export function campaignMessageId(campaignId: string, customerId: number, mailFrom: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(mailFrom)?.[1] ?? "backline.localhost";
  return `<campaign-${campaignId}-${customerId}@${domain}>`;
}

export interface CampaignEmailInput {
  campaignId: string;
  recipientId: bigint;
  to: string;
  from: string;
  appUrl: string;
  title: string;
  summary: string;
  fileName: string;
  filePath: string;
  fileBytes: number;
  attachmentMaxBytes: number;
  messageId: string;
  /** Signs the opt-out link. */
  linkSecret: string;
}

export function buildCampaignEmail(input: CampaignEmailInput): SendMailOptions {
  const unsubscribe = optOutUrl(input.appUrl, input.recipientId, input.linkSecret);
  const attach = input.fileBytes <= input.attachmentMaxBytes;
  const text = [input.summary, "", attach ? "Your PDF is attached." : "Your PDF was too large to attach.", "", `Unsubscribe: ${unsubscribe}`].join("\n");
  const html = `<!doctype html><html lang="en"><body style="font-family:system-ui,sans-serif;color:#1f2937;line-height:1.5">
<p>${escapeHtml(input.summary)}</p><p>${attach ? "Your PDF is attached." : "Your PDF was too large to attach."}</p>
<p style="color:#6b7280;font-size:13px"><a href="${escapeHtml(unsubscribe)}">Unsubscribe</a> from these emails.</p></body></html>`;
  return {
    from: headerText(input.from),
    to: headerText(input.to),
    subject: headerText(input.title),
    messageId: input.messageId,
    headers: {
      "X-Campaign-Id": input.campaignId,
      "X-Campaign-Recipient": input.recipientId.toString(),
      "List-Unsubscribe": `<${unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "Auto-Submitted": "auto-generated",
    },
    text,
    html,
    attachments: attach ? [{ filename: input.fileName, path: input.filePath, contentType: "application/pdf" }] : [],
  };
}
