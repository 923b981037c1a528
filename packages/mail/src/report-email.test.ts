import { describe, expect, it } from "vitest";
import { buildReportEmail, formatBytes, reportMessageId } from "./report-email.ts";
import { buildSignInEmail } from "./sign-in-email.ts";

const base = {
  reportId: "0190f0c2-0000-7000-8000-000000000001",
  to: "ana@example.com",
  from: "Backline <reports@backline.localhost>",
  appUrl: "http://localhost:3000",
  title: "Sales summary",
  summary: "Revenue <b>$1.00</b> from 1 order.",
  fileName: "sales-summary.pdf",
  filePath: "/tmp/x.pdf",
  fileBytes: 2048,
  attachmentMaxBytes: 4096,
  downloadUrl: "http://localhost:3000/reports/0190f0c2-0000-7000-8000-000000000001/download?user=u&expires=1&kid=k&sig=s",
  downloadExpiresAt: new Date("2026-11-29T12:00:00Z"),
};

describe("buildReportEmail", () => {
  it("attaches the PDF under the size limit and tags the message with the report id", () => {
    const mail = buildReportEmail(base);
    expect(mail.attachments).toEqual([{ filename: "sales-summary.pdf", path: "/tmp/x.pdf", contentType: "application/pdf" }]);
    expect(mail.headers).toEqual({ "X-Report-Id": base.reportId });
    expect(mail.messageId).toBe(`<report-${base.reportId}@localhost>`);
    expect(mail.text).toContain("is attached");
    expect(mail.text).toContain(`until Sun, 29 Nov 2026 12:00:00 GMT: ${base.downloadUrl}`);
  });

  it("only links to the signed download above the size limit", () => {
    const mail = buildReportEmail({ ...base, fileBytes: 5000 });
    expect(mail.attachments).toEqual([]);
    expect(mail.text).toContain("too large to attach");
    expect(mail.html).toContain(`href="${base.downloadUrl.replaceAll("&", "&amp;")}"`);
  });

  it("never lets a line break into a header", () => {
    const mail = buildReportEmail({ ...base, to: "ana@example.com\r\nBcc: evil@example.com", title: "Sales\r\nX-Injected: 1" });
    for (const header of [mail.to, mail.subject, mail.from]) expect(String(header)).not.toMatch(/[\r\n]/);
    expect(mail.subject).toBe("Your report is ready: Sales X-Injected: 1");
  });

  it("escapes report text in the HTML body", () => {
    expect(buildReportEmail(base).html).toContain("Revenue &lt;b&gt;$1.00&lt;/b&gt;");
  });

  it("derives a stable Message-ID from the report id", () => {
    expect(reportMessageId("abc", "https://reports.example.com/x")).toBe(reportMessageId("abc", "https://reports.example.com/y"));
    expect(reportMessageId("abc", "https://reports.example.com")).toBe("<report-abc@reports.example.com>");
  });

  it("formats sizes for people", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(3 * 1024 * 1024)).toBe("3.0 MB");
  });
});

describe("buildSignInEmail", () => {
  it("carries the link in both bodies and nothing of the link in headers", () => {
    const url = "http://localhost:3000/api/auth/magic-link/verify?token=abc&callbackURL=%2F";
    const mail = buildSignInEmail({ to: "ana@example.com", from: "Backline <a@b.c>", url, expiresAt: new Date(Date.now() + 15 * 60_000) });
    expect(mail.text).toContain(url);
    expect(mail.text).toContain("next 15 minutes");
    expect(mail.html).toContain(`href="${url.replaceAll("&", "&amp;")}"`);
    expect(mail.subject).toBe("Your Backline sign-in link");
  });
});
