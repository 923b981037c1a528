import { describe, expect, it } from "vitest";
import { buildReportEmail, formatBytes, reportMessageId } from "./report-email.ts";

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
};

describe("buildReportEmail", () => {
  it("attaches the PDF under the size limit and tags the message with the report id", () => {
    const mail = buildReportEmail(base);
    expect(mail.attachments).toEqual([{ filename: "sales-summary.pdf", path: "/tmp/x.pdf", contentType: "application/pdf" }]);
    expect(mail.headers).toEqual({ "X-Report-Id": base.reportId });
    expect(mail.messageId).toBe(`<report-${base.reportId}@localhost>`);
    expect(mail.text).toContain("is attached");
  });

  it("links to the download instead of attaching a PDF above the limit", () => {
    const mail = buildReportEmail({ ...base, fileBytes: 5000 });
    expect(mail.attachments).toEqual([]);
    expect(mail.text).toContain(`http://localhost:3000/reports/${base.reportId}/download`);
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
