// The email that delivers a finished report. Only fixed text, numbers and
// validated values reach headers; anything a person typed goes in the body.
import type { SendMailOptions } from "nodemailer";

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
  /** Attach up to this size; above it, send a download link instead. */
  attachmentMaxBytes: number;
}

/** Same report id ⇒ same Message-ID, so a resend is recognisably the same message. */
export function reportMessageId(reportId: string, appUrl: string): string {
  return `<report-${reportId}@${new URL(appUrl).hostname || "backline.localhost"}>`;
}

export function reportDownloadUrl(appUrl: string, reportId: string): string {
  return new URL(`/reports/${reportId}/download`, appUrl).toString();
}

export function buildReportEmail(input: ReportEmailInput): SendMailOptions {
  const statusUrl = new URL(`/reports/${input.reportId}`, input.appUrl).toString();
  const attach = input.fileBytes <= input.attachmentMaxBytes;
  const downloadUrl = reportDownloadUrl(input.appUrl, input.reportId);
  const size = formatBytes(input.fileBytes);
  const delivery = attach
    ? `The PDF (${size}) is attached.`
    : `The PDF is ${size}, too large to attach. Download it here: ${downloadUrl}`;

  const text = [`Your report "${input.title}" is ready.`, "", input.summary, "", delivery, "", `Report status: ${statusUrl}`, "", "— Backline"].join("\n");
  const html = `<!doctype html><html lang="en"><body style="font-family:system-ui,sans-serif;color:#1f2937;line-height:1.5">
<p>Your report <strong>${escapeHtml(input.title)}</strong> is ready.</p>
<p>${escapeHtml(input.summary)}</p>
<p>${attach ? escapeHtml(delivery) : `The PDF is ${size}, too large to attach. <a href="${escapeHtml(downloadUrl)}">Download it</a>.`}</p>
<p><a href="${escapeHtml(statusUrl)}">View the report's status page</a></p>
<p style="color:#6b7280">— Backline</p></body></html>`;

  return {
    from: input.from,
    to: input.to,
    subject: `Your report is ready: ${input.title}`,
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

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
