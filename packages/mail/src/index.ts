export { createMailTransport, checkSmtp, type MailTransport } from "./transport.ts";
export { buildReportEmail, reportMessageId, formatBytes, type ReportEmailInput } from "./report-email.ts";
export { buildSignInEmail, type SignInEmailInput } from "./sign-in-email.ts";
export { headerText } from "./text.ts";
