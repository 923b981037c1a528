// One of each email Backline sends, with realistic content, for the tests,
// SpamAssassin and the screenshot tool.
import type { SendMailOptions } from "nodemailer";
import { buildReportEmail, type ReportEmailInput } from "../src/report-email.ts";
import { buildCampaignEmail } from "../src/campaign-email.ts";
import { buildNoticeEmail } from "../src/notice-email.ts";
import { buildSignInEmail } from "../src/sign-in-email.ts";

const REPORT_ID = "0190f0c2-0000-7000-8000-000000000001";

export const reportInput: ReportEmailInput = {
  reportId: REPORT_ID,
  to: "ana@example.com",
  from: "Backline <reports@backline.example.com>",
  appUrl: "https://backline.example.com",
  title: "Sales summary",
  summary: "Sales summary for October 1 – 31, 2026 (all regions, by day): revenue $2,756,730.38 from 17,632 orders, average order value $156.35.",
  highlights: {
    subject: "October 2026 · All regions · by day",
    figures: [
      { label: "Revenue", value: "$2,756,730.38" },
      { label: "Orders", value: "17,632" },
      { label: "Average order value", value: "$156.35" },
    ],
  },
  fileName: "sales-summary-2026-10-01-to-2026-10-31.pdf",
  // Tests that compile the message point this at a PDF they write (see samplePdf).
  pdf: "/nonexistent/report.pdf",
  fileBytes: 57_123,
  attachmentMaxBytes: 10 * 1024 * 1024,
  downloadUrl: `https://backline.example.com/reports/${REPORT_ID}/download?user=u1&expires=1795953600&kid=k1&sig=Zx0c`,
  downloadExpiresAt: new Date("2026-11-29T12:00:00Z"),
  date: new Date("2026-11-22T05:31:00Z"),
};

export const statementInput: ReportEmailInput = {
  ...reportInput,
  title: "Customer statement",
  summary: "Statement for \u2068شركة النور للتجارة\u2069 (customer6@example.com) for October 2026: 12 orders (26 items) totalling $7,031.75.",
  highlights: {
    subject: "\u2068شركة النور للتجارة\u2069 (customer #6) · October 2026",
    figures: [
      { label: "Total", value: "$7,031.75" },
      { label: "Orders", value: "12" },
      { label: "Items", value: "26" },
    ],
  },
  fileName: "customer-statement-6-2026-10.pdf",
};

/** A small, valid one-page PDF to attach. */
export const SAMPLE_PDF = [
  "%PDF-1.4",
  "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj",
  "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj",
  "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj",
  "trailer << /Root 1 0 R >>",
  "%%EOF",
].join("\n");

export function sampleEmails(pdfPath = reportInput.pdf as string): Record<string, SendMailOptions> {
  const report = { ...reportInput, pdf: pdfPath };
  return {
    "report-sales-summary": buildReportEmail(report),
    "report-statement-linked": buildReportEmail({ ...statementInput, pdf: pdfPath, fileBytes: 12 * 1024 * 1024 }),
    "report-scheduled": buildReportEmail({
      ...report,
      unsubscribeUrl: "https://backline.example.com/schedules/s1/unsubscribe?sig=abc",
      manageUrl: "https://backline.example.com/schedules/s1",
      headers: { "X-Schedule-Id": "s1", "X-Campaign-Id": "c1" },
    }),
    "sign-in": buildSignInEmail({
      to: "ana@example.com",
      from: "Backline <reports@backline.example.com>",
      url: "https://backline.example.com/sign-in/confirm?token=Qm9vaw&callbackURL=%2F",
      expiresAt: new Date(Date.now() + 15 * 60_000),
      date: new Date("2026-11-22T05:31:00Z"),
    }),
    campaign: buildCampaignEmail({
      campaignId: "0193a7c2-5b7e-7c3a-9d1e-3f5a2b1c4d6e",
      recipientId: 42n,
      to: "customer@example.com",
      from: "Backline <reports@backline.example.com>",
      appUrl: "https://backline.example.com",
      title: statementInput.title,
      summary: statementInput.summary,
      highlights: statementInput.highlights,
      fileName: statementInput.fileName,
      pdf: pdfPath,
      fileBytes: 40 * 1024,
      attachmentMaxBytes: 10 * 1024 * 1024,
      messageId: "<campaign-0193a7c2-5b7e-7c3a-9d1e-3f5a2b1c4d6e-42@backline.example.com>",
      unsubscribeUrl: "https://backline.example.com/opt-out/42?sig=abc",
      date: new Date("2026-11-22T05:31:00Z"),
    }),
    "failure-notice": buildNoticeEmail({
      to: "ana@example.com",
      from: "Backline <reports@backline.example.com>",
      subject: "Your report could not be made",
      heading: "Your report could not be made",
      preheader: "The mail server rejected the message.",
      paragraphs: ["Backline tried 3 times and gave up: The mail server rejected the message.", "Its status page has the whole story and a Retry button."],
      action: { label: "Open the report and retry", url: "https://backline.example.com/reports/r1" },
      why: "You get this email because you asked Backline (backline.example.com) for this report.",
      date: new Date("2026-11-22T05:31:00Z"),
    }),
    "admin-digest": buildNoticeEmail({
      to: "boss@example.com",
      from: "Backline <reports@backline.example.com>",
      subject: "Backline: 3 things need a person",
      heading: "What needs a person",
      preheader: "Reports that failed for good, by reason",
      paragraphs: ["Since 2026-11-22 04:00 UTC:"],
      sections: [
        {
          title: "Reports that failed for good, by reason",
          items: [{ text: "3 × The mail server rejected the message.", href: "https://backline.example.com/reports/r1" }],
        },
      ],
      action: { label: "Open the admin console", url: "https://backline.example.com/admin" },
      why: "You get this digest because your address is in ADMIN_EMAILS.",
      date: new Date("2026-11-22T05:31:00Z"),
    }),
  };
}
