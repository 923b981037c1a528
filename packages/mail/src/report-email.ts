// The email that delivers a finished report. Only fixed text, numbers and
// validated values reach headers, and those pass headerText() anyway; anything
// a person typed goes in the body.
import type { SendMailOptions } from "nodemailer";
import { escapeHtml, headerText } from "./text.ts";

export interface ReportEmailInput {
  reportId: string;
  to: string;
  from: string;
  appUrl: string;
  title: string;
  /** Plain-text paragraph from the report type. */
  summary: string;
  fileName: string;
  filePath: string;
  fileBytes: number;
  /** Attach up to this size; the signed link is in the email either way. */
  attachmentMaxBytes: number;
  /** A signed, expiring download link for the recipient. */
  downloadUrl: string;
  downloadExpiresAt: Date;
}

/** Same report id ⇒ same Message-ID, so a resend is recognisably the same message. */
export function reportMessageId(reportId: string, appUrl: string): string {
  return `<report-${reportId}@${new URL(appUrl).hostname || "backline.localhost"}>`;
}

export function buildReportEmail(input: ReportEmailInput): SendMailOptions {
  const statusUrl = new URL(`/reports/${input.reportId}`, input.appUrl).toString();
  const attach = input.fileBytes <= input.attachmentMaxBytes;
  const size = formatBytes(input.fileBytes);
  const until = input.downloadExpiresAt.toUTCString();
  const delivery = attach ? `The PDF (${size}) is attached.` : `The PDF is ${size}, too large to attach.`;
  const link = `Download it here until ${until}: ${input.downloadUrl}`;

  const text = [`Your report "${input.title}" is ready.`, "", input.summary, "", delivery, link, "", `Report status: ${statusUrl}`, "", "— Backline"].join(
    "\n",
  );
  const html = `<!doctype html><html lang="en"><body style="font-family:system-ui,sans-serif;color:#1f2937;line-height:1.5">
<p>Your report <strong>${escapeHtml(input.title)}</strong> is ready.</p>
<p>${escapeHtml(input.summary)}</p>
<p>${escapeHtml(delivery)} <a href="${escapeHtml(input.downloadUrl)}">Download it</a> (the link works until ${escapeHtml(until)}).</p>
<p><a href="${escapeHtml(statusUrl)}">View the report's status page</a></p>
<p style="color:#6b7280">— Backline</p></body></html>`;

  return {
    from: headerText(input.from),
    to: headerText(input.to),
    subject: headerText(`Your report is ready: ${input.title}`),
    messageId: reportMessageId(input.reportId, input.appUrl),
    headers: { "X-Report-Id": input.reportId },
    text,
    html,
    attachments: attach ? [{ filename: input.fileName, path: input.filePath, contentType: "application/pdf" }] : [],
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
