import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { reportInput, sampleEmails, statementInput } from "../test/samples.ts";
import { buildReportEmail, formatBytes, messageIdDomain, reportMessageId } from "./report-email.ts";
import { buildSignInEmail } from "./sign-in-email.ts";
import { senderDomain } from "./text.ts";

const base = reportInput;
const html = (mail: { html?: unknown }) => String(mail.html);
const headers = (mail: { headers?: unknown }) => mail.headers as Record<string, string>;

describe("buildReportEmail", () => {
  it("attaches a stream of the PDF as its content (storage hands one out)", () => {
    const pdf = Readable.from([Buffer.from("%PDF-1.7")]);
    const mail = buildReportEmail({ ...base, pdf, fileBytes: 2048, attachmentMaxBytes: 4096 });
    expect(mail.attachments).toEqual([{ filename: base.fileName, content: pdf, contentType: "application/pdf" }]);
  });

  it("attaches the PDF under the size limit and tags the message with the report id", () => {
    const mail = buildReportEmail({ ...base, fileBytes: 2048, attachmentMaxBytes: 4096 });
    expect(mail.attachments).toEqual([{ filename: base.fileName, path: base.pdf, contentType: "application/pdf" }]);
    expect(headers(mail)["X-Report-Id"]).toBe(base.reportId);
    expect(mail.text).toContain("The PDF (2.0 KB) is attached to this email.");
    expect(mail.text).toMatch(/Download the PDF \(the link works until November 29, 2026 at 12:00\sPM UTC\):\n(\S+)/);
    expect(/Download the PDF .*:\n(\S+)/.exec(String(mail.text))?.[1]).toBe(base.downloadUrl);
  });

  it("only links to the signed download above the size limit", () => {
    const mail = buildReportEmail({ ...base, fileBytes: 5000, attachmentMaxBytes: 4096 });
    expect(mail.attachments).toEqual([]);
    expect(mail.text).toContain("too large to attach");
    expect(html(mail)).toContain(`href="${base.downloadUrl.replaceAll("&", "&amp;")}"`);
  });

  it("shows the headline figures inline, in the preheader and in the text part, the download as the one button", () => {
    const mail = buildReportEmail(base);
    const body = html(mail);
    for (const f of base.highlights!.figures) {
      expect(body).toContain(`>${f.label}</p>`);
      expect(body).toContain(`<bdi>${f.value}</bdi>`);
      expect(mail.text).toContain(`${f.label}: ${f.value}`);
    }
    // Preheader: hidden, first in the body, the subject line then the figures.
    expect(body).toMatch(/<body[^>]*>.*?<div style="display:none;[^"]*"[^>]*>October 2026 · All regions · by day — Revenue \$2,756,730\.38 · Orders 17,632/s);
    expect(body.match(/class="bl-button"/g)).toHaveLength(1);
    expect(body).toContain(">Download the PDF<");
    expect(body).toContain(`href="https://backline.example.com/reports/${base.reportId}"`);
    expect(body).toContain('href="https://backline.example.com/reports"');
    expect(mail.text).toMatch(/^Your sales summary is ready\.\nOctober 2026 · All regions · by day\n\nRevenue: \$2,756,730\.38\n/);
  });

  it("is responsive and has a dark palette; the statement's total leads its figures", () => {
    const body = html(buildReportEmail(statementInput));
    expect(body).toContain('<meta name="color-scheme" content="light dark"/>');
    expect(body).toMatch(/@media \(prefers-color-scheme: dark\)/);
    expect(body).toMatch(/@media only screen and \(max-width: 600px\) \{[^@]*\.bl-figure-cell \{ display: block !important/);
    expect(body.indexOf(">Total</p>")).toBeLessThan(body.indexOf(">Orders</p>"));
    expect(body).toContain('<html dir="ltr" lang="en">');
  });

  it("escapes report text in the HTML body", () => {
    expect(html(buildReportEmail({ ...base, summary: "Revenue <b>$1.00</b> from 1 order." }))).toContain("Revenue &lt;b&gt;$1.00&lt;/b&gt;");
  });

  it("never lets a line break into a header", () => {
    const mail = buildReportEmail({ ...base, to: "ana@example.com\r\nBcc: evil@example.com", title: "Sales\r\nX-Injected: 1", reportId: "r\r\nX-Evil: 1" });
    for (const header of [mail.to, mail.subject, mail.from, mail.messageId, ...Object.values(headers(mail))]) expect(String(header)).not.toMatch(/[\r\n]/);
    expect(mail.subject).toBe("Your report is ready: Sales X-Injected: 1");
  });

  it("machine-made mail: Date, Auto-Submitted, no out-of-office replies", () => {
    const mail = buildReportEmail(base);
    expect(mail.date).toEqual(base.date);
    expect(headers(mail)).toMatchObject({ "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppression": "OOF, AutoReply" });
    expect(buildReportEmail({ ...base, date: undefined }).date).toBeInstanceOf(Date);
  });

  it("one-click unsubscribe (RFC 8058), a manage link and extra X- headers when a caller gives them", () => {
    const plain = buildReportEmail(base);
    expect(headers(plain)["List-Unsubscribe"]).toBeUndefined();
    expect(plain.text).not.toContain("Unsubscribe");

    const unsubscribeUrl = "https://backline.example.com/schedules/s1/unsubscribe?sig=a%20b";
    const manageUrl = "https://backline.example.com/schedules/s1";
    const mail = buildReportEmail({ ...base, unsubscribeUrl, manageUrl, headers: { "X-Schedule-Id": "s1", "X-Campaign-Id": "c1\r\nBcc: x@y" } });
    expect(headers(mail)).toMatchObject({
      "List-Unsubscribe": `<${unsubscribeUrl}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "X-Schedule-Id": "s1",
      "X-Campaign-Id": "c1 Bcc: x@y",
    });
    expect(html(mail)).toContain(`href="${unsubscribeUrl}"`);
    expect(html(mail)).toContain(`href="${manageUrl}"`);
    expect(mail.text).toContain(`Unsubscribe: ${unsubscribeUrl}`);
    expect(mail.text).toContain(`Manage these emails: ${manageUrl}`);
  });

  it("refuses header values that could break out of their header, and header names it doesn't allow", () => {
    // URL parsing drops line breaks; what is left is percent-encoded, never a bare > or space.
    expect(headers(buildReportEmail({ ...base, unsubscribeUrl: "https://a.example/u\r\nBcc: x@y" }))["List-Unsubscribe"]).toBe(
      "<https://a.example/uBcc:%20x@y>",
    );
    expect(headers(buildReportEmail({ ...base, unsubscribeUrl: "https://a.example/u?x=<y>" }))["List-Unsubscribe"]).toBe("<https://a.example/u?x=%3Cy%3E>");
    expect(() => buildReportEmail({ ...base, unsubscribeUrl: "javascript:alert(1)" })).toThrow(/must be an http\(s\) URL/);
    expect(() => buildReportEmail({ ...base, unsubscribeUrl: "not a url" })).toThrow(/is not a URL/);
    expect(() => buildReportEmail({ ...base, manageUrl: "mailto:a@b" })).toThrow(/manage URL must be an http\(s\) URL/);
    expect(() => buildReportEmail({ ...base, headers: { Bcc: "x@y" } })).toThrow(/not an X- header name/);
    expect(() => buildReportEmail({ ...base, headers: { "X-Bad\r\nBcc": "x" } })).toThrow(/not an X- header name/);
    expect(() => buildReportEmail({ ...base, headers: { "X-Report-Id": "other" } })).toThrow(/set by the email itself/);
  });
});

describe("Message-ID", () => {
  it("is on the sender's domain, deterministic per report: a resend is the same message", () => {
    expect(reportMessageId({ reportId: "abc", from: "Backline <reports@Mail.Example.com>" })).toBe("<report-abc@mail.example.com>");
    expect(reportMessageId({ reportId: "abc", from: "reports@example.org" })).toBe("<report-abc@example.org>");
    expect(buildReportEmail(base).messageId).toBe(`<report-${base.reportId}@backline.example.com>`);
    expect(buildReportEmail(base).messageId).toBe(buildReportEmail({ ...base, date: new Date() }).messageId);
    // Not the app's host: a local APP_URL must not give <…@127.0.0.1>.
    expect(buildReportEmail({ ...base, appUrl: "http://127.0.0.1:3000" }).messageId).toBe(`<report-${base.reportId}@backline.example.com>`);
    // The one recorded with the delivery claim wins, so a resend after MAIL_FROM changed is still the same message.
    expect(buildReportEmail({ ...base, messageId: "<report-x@old.example>" }).messageId).toBe("<report-x@old.example>");
  });

  it("falls back to a safe domain when the sender has none", () => {
    expect(messageIdDomain("Backline")).toBe("backline.localhost");
    expect(senderDomain("Backline <reports@exa mple.com>")).toBeUndefined();
  });

  it("sign-in links get a fresh one on the sender's domain", () => {
    const input = {
      to: "ana@example.com",
      from: "Backline <a@b.example>",
      url: "https://x.example/sign-in/confirm?token=t",
      expiresAt: new Date(Date.now() + 60_000),
    };
    const [one, two] = [buildSignInEmail(input), buildSignInEmail(input)];
    expect(one.messageId).toMatch(/^<sign-in-[0-9a-f-]{36}@b\.example>$/);
    expect(one.messageId).not.toBe(two.messageId);
  });
});

describe("buildSignInEmail", () => {
  it("carries the link in both bodies and nothing of the link in headers, in the shared layout", () => {
    const url = "http://localhost:3000/api/auth/magic-link/verify?token=abc&callbackURL=%2F";
    const mail = buildSignInEmail({ to: "ana@example.com", from: "Backline <a@b.c>", url, expiresAt: new Date(Date.now() + 15 * 60_000) });
    expect(mail.text).toContain(url);
    expect(mail.text).toContain("next 15 minutes");
    expect(html(mail)).toContain(`href="${url.replaceAll("&", "&amp;")}"`);
    expect(html(mail)).toContain('class="bl-button"');
    expect(html(mail)).toContain('class="bl-card"');
    expect(mail.subject).toBe("Your Backline sign-in link");
    for (const value of Object.values(headers(mail))) expect(value).not.toContain("token");
    expect(headers(mail)["Auto-Submitted"]).toBe("auto-generated");
  });
});

describe("formatBytes", () => {
  it("formats sizes for people", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(3 * 1024 * 1024)).toBe("3.0 MB");
  });

  it("every sample email builds", () => {
    expect(Object.keys(sampleEmails())).toEqual([
      "report-sales-summary",
      "report-statement-linked",
      "report-scheduled",
      "sign-in",
      "campaign",
      "failure-notice",
      "admin-digest",
    ]);
  });
});
