// The email each campaign recipient gets: their own PDF attached, the report's
// headline figures, in the shared layout; a deterministic Message-ID per
// campaign and customer (a resend after a broken connection is recognisably
// the same message), X-Campaign-Id and X-Campaign-Recipient, and a one-click
// List-Unsubscribe (RFC 8058) that records an opt-out.
import type { SendMailOptions } from "nodemailer";
import { FooterText, Figures, h, Layout, Paragraph, renderHtml, TextLink } from "./layout.ts";
import { formatBytes, messageIdDomain, pdfAttachment, type PdfSource, type ReportEmailHighlights } from "./report-email.ts";
import { headerText, headerUrl } from "./text.ts";

/** `<campaign-<id>-<customer>@<MAIL_FROM's domain>>`. */
export function campaignMessageId(input: { campaignId: string; customerId: number; from: string }): string {
  return `<campaign-${input.campaignId}-${input.customerId}@${messageIdDomain(input.from)}>`;
}

export interface CampaignEmailInput {
  campaignId: string;
  recipientId: bigint;
  to: string;
  from: string;
  appUrl: string;
  title: string;
  summary: string;
  highlights?: ReportEmailHighlights;
  fileName: string;
  /** The PDF: a file's path, or a stream of it (opened only once the message is written to the server). */
  pdf: PdfSource;
  fileBytes: number;
  /** Larger PDFs can't be sent (a recipient has no account to download from): the caller fails them instead. */
  attachmentMaxBytes: number;
  messageId: string;
  /** The signed one-click opt-out link. */
  unsubscribeUrl: string;
  date?: Date;
}

export class CampaignAttachmentTooLarge extends Error {
  override name = "CampaignAttachmentTooLarge";
}

export function buildCampaignEmail(input: CampaignEmailInput): SendMailOptions {
  if (input.fileBytes > input.attachmentMaxBytes) {
    throw new CampaignAttachmentTooLarge(`The PDF is ${formatBytes(input.fileBytes)}, over MAIL_ATTACHMENT_MAX_BYTES`);
  }
  const unsubscribeUrl = headerUrl(input.unsubscribeUrl, "The unsubscribe URL");
  const figures = input.highlights?.figures ?? [];
  const about = input.highlights?.subject;
  const heading = `Your ${input.title.toLowerCase()}`;
  const preheader = [about, figures.map((f) => `${f.label} ${f.value}`).join(" · ")].filter(Boolean).join(" — ") || input.summary;
  const appHost = new URL(input.appUrl).host;
  const why = `You get this email as a customer of the sender (${appHost}).`;

  const html = renderHtml(
    h(
      Layout,
      {
        lang: "en",
        title: headerText(`${input.title} — Backline`),
        preheader,
        heading,
        footer: [h(FooterText, { key: "why" }, why), h(FooterText, { key: "links" }, h(TextLink, { href: unsubscribeUrl }, "Unsubscribe from these emails"))],
      },
      about ? h(Paragraph, { muted: true, margin: "-8px 0 20px" }, h("span", { dir: "ltr" }, about)) : null,
      h(Figures, { figures }),
      h(Paragraph, null, input.summary),
      h(Paragraph, { muted: true, small: true }, `The PDF (${formatBytes(input.fileBytes)}) is attached to this email.`),
    ),
  );
  const text = [
    `${heading}.`,
    ...(about ? [about] : []),
    "",
    ...figures.map((f) => `${f.label}: ${f.value}`),
    ...(figures.length ? [""] : []),
    input.summary,
    "",
    `The PDF (${formatBytes(input.fileBytes)}) is attached to this email.`,
    "",
    "-- ",
    why,
    `Unsubscribe: ${unsubscribeUrl}`,
  ].join("\n");

  return {
    from: headerText(input.from),
    to: headerText(input.to),
    subject: headerText(input.title),
    messageId: headerText(input.messageId),
    date: input.date ?? new Date(),
    headers: {
      "X-Campaign-Id": headerText(input.campaignId),
      "X-Campaign-Recipient": input.recipientId.toString(),
      "List-Unsubscribe": `<${unsubscribeUrl}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "Auto-Submitted": "auto-generated",
      "X-Auto-Response-Suppression": "OOF, AutoReply",
    },
    text,
    html,
    attachments: [pdfAttachment(input.fileName, input.pdf)],
  };
}
