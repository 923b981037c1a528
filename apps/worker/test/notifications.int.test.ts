// The people in charge are told, through the SMTP sink: a report that fails
// for good emails its requester once (not once per attempt, not once per
// worker), and admins get at most one digest a period, only with something new.
import { ensureUser } from "@backline/db";
import { createMailTransport } from "@backline/mail";
import { waitUntil } from "@backline/test-kit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifyReportFailed, sendAdminDigest } from "../src/notifications.ts";
import { APP_URL, createHarness, type Harness } from "./harness.ts";

let h: Harness;
const log = pino({ level: "silent" });
const env = { MAIL_FROM: "Backline <reports@backline.test>", APP_URL };

beforeAll(async () => {
  h = await createHarness({ customers: 20, orders: 2000 });
});
afterAll(() => h?.close());

const noticesFor = (reportId: string) => h.smtp.messages.filter((m) => m.headers.get("x-failed-report-id") === reportId);

describe("failure notices", () => {
  it("a report that fails for good emails its requester once, with the reason and a link to retry it; no report email", async () => {
    const { prefix, commands } = h.stack("notice");
    const owner = await ensureUser(h.db, "notice-me@example.com");
    const result = await commands.request({ type: "customer-statement", params: { customerId: 1 } }, { userId: owner.id, email: owner.email, admin: false });
    if (!result.ok) throw new Error(result.error);
    // A customer that no longer exists: a permanent failure, in plain words.
    await h.db.report.update({ where: { id: result.report.id }, data: { params: { customerId: 999_999, month: "2026-10" } } });
    await h.startWorker(prefix);
    await waitUntil(async () => (await h.db.report.findUniqueOrThrow({ where: { id: result.report.id } })).status === "failed", { what: "the failure" });
    const [notice] = await waitUntil(
      async () => {
        const found = noticesFor(result.report.id);
        return found.length ? found : null;
      },
      { what: "the failure notice" },
    );
    expect(notice!.to).toMatchObject({ text: "notice-me@example.com" });
    expect(notice!.subject).toBe("Your report could not be made");
    expect(notice!.text).toContain("Customer 999999 does not exist.");
    expect(notice!.text).toContain(`${APP_URL}/reports/${result.report.id}`);
    expect(h.emailsFor(result.report.id)).toBe(0); // the notice is not the report's email

    // Another worker meeting the same final failure (a replayed job) sends nothing more.
    const report = await h.db.report.findUniqueOrThrow({ where: { id: result.report.id } });
    await notifyReportFailed(report, { db: h.db, mail: createMailTransport(h.smtp.url), log, env });
    await new Promise((r) => setTimeout(r, 300));
    expect(noticesFor(result.report.id)).toHaveLength(1);
  });
});

describe("admin digest", () => {
  it("lists permanent failures by reason, self-paused campaigns and schedules and stuck reports; once per period, only when there is something new", async () => {
    const owner = await ensureUser(h.db, "digest-owner@example.com");
    const admin = await ensureUser(h.db, "boss@example.com");
    const now = new Date("2026-12-07T10:30:00Z");
    await h.db.notification.deleteMany({ where: { key: { startsWith: "admin-digest:" } } });
    // Two failures with one reason, one with another; a campaign and a schedule that paused themselves; a stuck report.
    for (const reason of ["The mail server rejected the message.", "The mail server rejected the message.", "Customer 5 does not exist."]) {
      await h.db.report.create({
        data: {
          type: "sales-summary",
          params: {},
          userId: owner.id,
          ownerEmail: owner.email,
          status: "failed",
          failureReason: reason,
          finishedAt: new Date("2026-12-07T10:10:00Z"),
        },
      });
    }
    await h.db.campaign.create({
      data: {
        createdBy: admin.id,
        type: "customer-statement",
        params: {},
        audience: { kind: "all-customers" },
        status: "paused",
        pausedReason: "Paused itself: 40 of the last 50 emails failed (the last: The mail server rejected the message.).",
        startAt: now,
        updatedAt: new Date("2026-12-07T10:05:00Z"),
      },
    });
    const stuck = await h.db.report.create({
      data: { type: "sales-summary", params: {}, userId: owner.id, ownerEmail: owner.email, status: "generating", updatedAt: new Date("2026-12-07T09:00:00Z") },
    });
    const options = {
      db: h.db,
      mail: createMailTransport(h.smtp.url),
      log,
      env,
      admins: ["boss@example.com", "deputy@example.com"],
      intervalMs: 3600_000,
      now: () => now,
    };
    expect(await sendAdminDigest(options)).toBe(true);
    const digests = await waitUntil(
      async () => {
        const found = h.smtp.messages.filter((m) => m.subject?.startsWith("Backline:"));
        return found.length >= 2 ? found : null;
      },
      { what: "the digests" },
    );
    expect(digests.map((m) => (m.to as { text: string }).text).sort()).toEqual(["boss@example.com", "deputy@example.com"]);
    const text = digests[0]!.text!;
    expect(text).toContain("2 × The mail server rejected the message.");
    expect(text).toContain("1 × Customer 5 does not exist.");
    expect(text).toContain("Paused itself: 40 of the last 50 emails failed");
    expect(text).toContain(`${stuck.id} (generating)`);
    expect(text).toContain(`${APP_URL}/admin`);

    // The same period again: nothing. The next period with nothing new since: nothing either.
    expect(await sendAdminDigest(options)).toBe(false);
    expect(await sendAdminDigest({ ...options, now: () => new Date("2026-12-07T11:30:00Z") })).toBe(
      // The stuck report is still stuck, so there is something to say: one digest for the new period.
      true,
    );
    await h.db.report.update({ where: { id: stuck.id }, data: { status: "failed", finishedAt: new Date("2026-12-07T11:00:00Z"), failureReason: "x" } });
    expect(await sendAdminDigest({ ...options, now: () => new Date("2026-12-07T13:30:00Z") })).toBe(false);
  });
});
