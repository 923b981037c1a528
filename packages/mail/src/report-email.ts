// The email that delivers a finished report. Only fixed text, numbers and
// validated values reach headers, and those pass headerText() anyway; anything
// a person typed goes in the body (escaped by React in the HTML).
import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { SendMailOptions } from "nodemailer";
import { FooterText, Figures, h, Layout, Paragraph, PrimaryButton, Rule, renderHtml, TextLink, type Figure } from "./layout.ts";
import { extraHeaders, headerText, headerUrl, senderDomain } from "./text.ts";

/** What the report says at a glance (the report type's highlights, already formatted). */
export interface ReportEmailHighlights {
  /** What it covers, e.g. "October 2026 · All regions · by day". */
  subject: string;
  /** Headline figures, the most important first. */
  figures: readonly Figure[];
}

export interface ReportEmailInput {
  reportId: string;
  to: string;
  from: string;
  appUrl: string;
  title: string;
  /** Plain-text paragraph from the report type. */
  summary: string;
  /** The figures shown inline (and in the preheader). */
  highlights?: ReportEmailHighlights;
  fileName: string;
  /** The PDF: a file's path, or a stream of it (from storage; opened only once the message is written to the server). */
  pdf: PdfSource;
  fileBytes: number;
  /** Attach up to this size; the signed link is in the email either way. */
  attachmentMaxBytes: number;
  /** A signed, expiring download link for the recipient. */
  downloadUrl: string;
  downloadExpiresAt: Date;
  /** The recipient's locale for dates in the email (default en-US). */
  locale?: string;
  /**
   * The Message-ID, as recorded with the delivery claim; a resend passes the
   * same one. Default: reportMessageId for this report and sender.
   */
  messageId?: string;
  /**
   * One-click unsubscribe (RFC 8058) for mail that is sent without being asked
   * for each time (a schedule): adds `List-Unsubscribe: <url>` and
   * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and a footer link.
   * The URL must answer a POST by unsubscribing (and should be https).
   */
  unsubscribeUrl?: string;
  /** Where the recipient manages these emails (a schedule's settings): a footer link. */
  manageUrl?: string;
  /** Extra X- headers, e.g. { "X-Schedule-Id": id, "X-Campaign-Id": id }. */
  headers?: Record<string, string>;
  /** The Date header (default now). */
  date?: Date;
}

const SET_HERE = ["X-Report-Id", "X-Auto-Response-Suppression"];

/** The domain Message-IDs are made on: the sender's (MAIL_FROM's address), which mail systems check it against. */
export function messageIdDomain(from: string): string {
  return senderDomain(from) ?? "backline.localhost";
}

/**
 * Same report and sender ⇒ same Message-ID, so a resend is recognisably the same
 * message. On the sender's domain, not the app's host (a local APP_URL would
 * give @127.0.0.1, which receivers distrust).
 */
export function reportMessageId(input: { reportId: string; from: string }): string {
  return `<report-${input.reportId}@${messageIdDomain(input.from)}>`;
}

/** A fresh Message-ID on the sender's domain, for mail that is never resent as the same message (sign-in links). */
export function randomMessageId(kind: string, from: string): string {
  return `<${kind}-${randomUUID()}@${messageIdDomain(from)}>`;
}

function dateTimeUtc(date: Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone: "UTC",
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(date);
}

export function buildReportEmail(input: ReportEmailInput): SendMailOptions {
  const locale = input.locale ?? "en-US";
  const statusUrl = new URL(`/reports/${input.reportId}`, input.appUrl).toString();
  const allReportsUrl = new URL("/reports", input.appUrl).toString();
  const unsubscribeUrl = input.unsubscribeUrl === undefined ? undefined : headerUrl(input.unsubscribeUrl, "The unsubscribe URL");
  const manageUrl = input.manageUrl === undefined ? undefined : headerUrl(input.manageUrl, "The manage URL");
  const attach = input.fileBytes <= input.attachmentMaxBytes;
  const size = formatBytes(input.fileBytes);
  const until = dateTimeUtc(input.downloadExpiresAt, locale);
  const figures = input.highlights?.figures ?? [];
  const about = input.highlights?.subject;
  const heading = `Your ${input.title.toLowerCase()} is ready`;
  const delivery = attach ? `The PDF (${size}) is attached to this email.` : `The PDF is ${size}, too large to attach.`;
  const linkNote = `The download link works until ${until}.`;
  const preheader = [about, figures.map((f) => `${f.label} ${f.value}`).join(" · ")].filter(Boolean).join(" — ") || input.summary;
  const appHost = new URL(input.appUrl).host;

  const html = renderHtml(
    h(
      Layout,
      {
        lang: "en",
        title: headerText(`${input.title} — Backline`),
        preheader,
        heading,
        footer: [
          h(FooterText, { key: "why" }, `You get this email because you asked Backline (${appHost}) for this report. Report ID ${input.reportId}.`),
          manageUrl || unsubscribeUrl
            ? h(
                FooterText,
                { key: "links" },
                manageUrl ? h(TextLink, { href: manageUrl }, "Manage these emails") : null,
                manageUrl && unsubscribeUrl ? " · " : null,
                unsubscribeUrl ? h(TextLink, { href: unsubscribeUrl }, "Unsubscribe") : null,
              )
            : null,
        ],
      },
      // A sentence in English around names that may run right to left (the report isolates them): left to right.
      about ? h(Paragraph, { muted: true, margin: "-8px 0 20px" }, h("span", { dir: "ltr" }, about)) : null,
      h(Figures, { figures }),
      h(Paragraph, null, input.summary),
      h(PrimaryButton, { href: input.downloadUrl }, "Download the PDF"),
      h(Paragraph, { muted: true, small: true }, `${delivery} ${linkNote}`),
      h(Rule, null),
      h(
        Paragraph,
        { small: true, margin: "0" },
        h(TextLink, { href: statusUrl }, "View the report's status page"),
        " · ",
        h(TextLink, { href: allReportsUrl }, "All your reports"),
      ),
    ),
  );

  // The plain-text part says the same, in the same order, with every link spelled out.
  const text = [
    `${heading}.`,
    ...(about ? [about] : []),
    "",
    ...figures.map((f) => `${f.label}: ${f.value}`),
    ...(figures.length ? [""] : []),
    input.summary,
    "",
    delivery,
    `Download the PDF (the link works until ${until}):`,
    input.downloadUrl,
    "",
    `Report status: ${statusUrl}`,
    `All your reports: ${allReportsUrl}`,
    "",
    "-- ",
    `You get this email because you asked Backline (${appHost}) for this report. Report ID ${input.reportId}.`,
    ...(manageUrl ? [`Manage these emails: ${manageUrl}`] : []),
    ...(unsubscribeUrl ? [`Unsubscribe: ${unsubscribeUrl}`] : []),
  ].join("\n");

  const headers: Record<string, string> = {
    ...extraHeaders(input.headers, SET_HERE),
    "X-Report-Id": headerText(input.reportId),
    // RFC 3834: made by a machine, not a person: no out-of-office replies to it.
    "Auto-Submitted": "auto-generated",
    "X-Auto-Response-Suppression": "OOF, AutoReply",
  };
  if (unsubscribeUrl) {
    headers["List-Unsubscribe"] = `<${unsubscribeUrl}>`;
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  }

  return {
    from: headerText(input.from),
    to: headerText(input.to),
    subject: headerText(`Your report is ready: ${input.title}`),
    messageId: headerText(input.messageId ?? reportMessageId({ reportId: input.reportId, from: input.from })),
    date: input.date ?? new Date(),
    headers,
    text,
    html,
    attachments: attach ? [pdfAttachment(input.fileName, input.pdf)] : [],
  };
}

/** A PDF to attach: a file path, or its bytes as a stream (nodemailer reads either while it writes the message). */
export type PdfSource = string | Readable;

export function pdfAttachment(filename: string, pdf: PdfSource) {
  return { filename, contentType: "application/pdf", ...(typeof pdf === "string" ? { path: pdf } : { content: pdf }) };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
