// Download links through the real routes: a valid link serves the PDF once
// recorded; tampered → 403; expired or revoked → 410 with a way to a fresh
// link; a link made for someone else, or another user's session → 404.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { transitionReport } from "@backline/db";
import { keyIdOf, signDownloadUrl } from "@backline/report-service";
import { TEST_SECRETS } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

let app: WebApp;
let reportsDir: string;
let ana: string;
let ben: string;
let reportId: string;
let anaId: string;
let benId: string;
const PDF = Buffer.from("%PDF-1.7\nnot really a report\n%%EOF\n");
const keys = { secret: TEST_SECRETS.DOWNLOAD_LINK_SECRET };

beforeAll(async () => {
  reportsDir = await mkdtemp(path.join(os.tmpdir(), "backline-links-"));
  app = await startWebApp({ REPORTS_DIR: reportsDir });
  ana = await app.signIn("ana@example.com");
  ben = await app.signIn("ben@example.com");
  anaId = (await app.db.user.findUniqueOrThrow({ where: { email: "ana@example.com" } })).id;
  benId = (await app.db.user.findUniqueOrThrow({ where: { email: "ben@example.com" } })).id;
  // A report of ana's that is finished, with its PDF on disk (as a worker leaves it).
  reportId = (await (await app.fetch("/api/reports", { method: "POST", cookie: ana, json: { type: "sales-summary", params: { groupBy: "month" } } })).json())
    .id;
  await writeFile(path.join(reportsDir, `${reportId}.pdf`), PDF);
  await transitionReport(app.db, reportId, "generating", { message: "start" });
  await transitionReport(app.db, reportId, "emailing", { message: "pdf", data: { filePath: `${reportId}.pdf`, fileBytes: PDF.length, pageCount: 1 } });
  await transitionReport(app.db, reportId, "sent", { message: "sent" });
});
afterAll(async () => {
  await app?.close();
  await rm(reportsDir, { recursive: true, force: true });
});

/** A fresh link from the API, as the owner asks for one. */
async function freshLink(cookie = ana): Promise<URL> {
  const response = await app.fetch(`/api/reports/${reportId}/download-links`, { method: "POST", cookie });
  expect(response.status).toBe(201);
  const body = await response.json();
  expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(167 * 3600_000); // 7 days by default
  return new URL(body.url);
}
const open = (url: URL, init: { cookie?: string; headers?: Record<string, string> } = {}) => app.fetch(url.pathname + url.search, init);

/** A genuinely signed link with any claims, recorded as issued (what the API would do with other inputs). */
async function issuedLink(userId: string, expires: number): Promise<URL> {
  await app.db.downloadLink.create({ data: { reportId, userId, keyId: keyIdOf(keys.secret), expiresAt: new Date(expires * 1000), channel: "email" } });
  return new URL(signDownloadUrl(APP_URL, { reportId, userId, expires }, keys));
}

describe("signed download links", () => {
  it("serves the PDF to anyone holding a valid link, as an attachment, uncached, and records the download", async () => {
    const link = await freshLink();
    const response = await open(link, { headers: { "x-forwarded-for": "203.0.113.5", "user-agent": "MailClient/1.0" } });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(PDF)).toBe(true);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="sales-summary[\w.-]*\.pdf"; filename\*=UTF-8''/);
    const downloads = await app.db.download.findMany({ where: { reportId }, include: { link: true } });
    expect(downloads.at(-1)).toMatchObject({ userId: anaId, ip: "203.0.113.5", userAgent: "MailClient/1.0", link: { channel: "web" } });
  });

  it("answers 403 to a tampered link, whichever field changed, and records nothing", async () => {
    const before = await app.db.download.count();
    for (const [field, value] of [
      ["user", benId],
      ["expires", String(Math.floor(Date.now() / 1000) + 999_999)],
      ["kid", "AAAAAAAA"],
      ["sig", "A".repeat(43)],
    ]) {
      const link = await freshLink();
      link.searchParams.set(field!, value!);
      const response = await open(link);
      expect(response.status, field).toBe(403);
      expect(await response.text()).toContain("This download link is not valid");
    }
    const moved = await freshLink();
    const other = (await (await app.fetch("/api/reports", { method: "POST", cookie: ana, json: { type: "sales-summary" } })).json()).id;
    expect((await app.fetch(moved.pathname.replace(reportId, other) + moved.search)).status).toBe(403);
    expect(await app.db.download.count()).toBe(before);
  });

  it("answers 410 to an expired link with a page offering a fresh one, which the owner gets (303 to the new link)", async () => {
    const expired = await issuedLink(anaId, Math.floor(Date.now() / 1000) - 60);
    const response = await open(expired);
    expect(response.status).toBe(410);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const page = await response.text();
    expect(page).toContain("This link has expired");
    expect(page).toContain(`<form method="post" action="/api/reports/${reportId}/download-links">`);

    const renewed = await app.fetch(`/api/reports/${reportId}/download-links`, {
      method: "POST",
      cookie: ana,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(renewed.status).toBe(303);
    expect((await open(new URL(renewed.headers.get("location")!))).status).toBe(200);
    // Not signed in: sent to sign in first, then back to the report.
    const anonymous = await app.fetch(`/api/reports/${reportId}/download-links`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe(`${APP_URL}/sign-in?next=${encodeURIComponent(`/reports/${reportId}`)}`);
  });

  it("answers 410 to every link after the owner revokes them, including the emailed one", async () => {
    const emailed = await issuedLink(anaId, Math.floor(Date.now() / 1000) + 3600);
    const web = await freshLink();
    expect((await app.fetch(`/api/reports/${reportId}/download-links/revoke`, { method: "POST", cookie: ben })).status).toBe(404);
    const revoke = await app.fetch(`/api/reports/${reportId}/download-links/revoke`, { method: "POST", cookie: ana });
    expect((await revoke.json()).revoked).toBeGreaterThanOrEqual(2);
    for (const link of [emailed, web]) {
      const response = await open(link);
      expect(response.status).toBe(410);
      expect(await response.text()).toContain("This link was revoked");
    }
    expect((await open(await freshLink())).status).toBe(200); // a new link works again
  });

  it("never serves ana's report through a link made out to ben, nor lets ben make one", async () => {
    const forBen = await issuedLink(benId, Math.floor(Date.now() / 1000) + 3600);
    expect((await open(forBen)).status).toBe(404);
    expect((await app.fetch(`/api/reports/${reportId}/download-links`, { method: "POST", cookie: ben })).status).toBe(404);
  });
});

describe("download while signed in", () => {
  it("serves the owner and records it; another user gets 404; an anonymous visitor is sent to sign in", async () => {
    const before = await app.db.download.count({ where: { reportId, linkId: null } });
    const mine = await app.fetch(`/reports/${reportId}/download`, { cookie: ana });
    expect(mine.status).toBe(200);
    expect(mine.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect(await app.db.download.count({ where: { reportId, linkId: null } })).toBe(before + 1);

    const theirs = await app.fetch(`/reports/${reportId}/download`, { cookie: ben });
    expect(theirs.status).toBe(404);
    expect(await theirs.text()).not.toContain("%PDF");

    const anonymous = await app.fetch(`/reports/${reportId}/download`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe(`${APP_URL}/sign-in?next=${encodeURIComponent(`/reports/${reportId}`)}`);
  });
});
