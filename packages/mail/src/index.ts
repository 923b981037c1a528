export { createMailTransport, checkSmtp, dkimFromEnv, type DkimSettings, type MailTransport } from "./transport.ts";
export {
  buildReportEmail,
  reportMessageId,
  randomMessageId,
  messageIdDomain,
  formatBytes,
  pdfAttachment,
  type PdfSource,
  type ReportEmailHighlights,
  type ReportEmailInput,
} from "./report-email.ts";
export { CampaignAttachmentTooLarge, buildCampaignEmail, campaignMessageId, type CampaignEmailInput } from "./campaign-email.ts";
export { buildNoticeEmail, type NoticeEmailInput, type NoticeSection } from "./notice-email.ts";
export { buildSignInEmail, type SignInEmailInput } from "./sign-in-email.ts";
export { headerText, senderDomain } from "./text.ts";
