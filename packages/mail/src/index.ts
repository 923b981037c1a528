export { createMailTransport, checkSmtp, type MailTransport } from "./transport.ts";
export { buildReportEmail, reportMessageId, reportDownloadUrl, formatBytes, type ReportEmailInput } from "./report-email.ts";
