// The whole backline path on real services: row + job → worker → PDF on disk →
// email through a real SMTP server. Figures in the PDF are checked against SQL.
import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { claimDelivery, createReport, ensureUser, markDeliverySent, transitionReport, type PrismaClient } from "@backline/db";
import { reportMessageId } from "@backline/mail";
import { InvalidJobPayloadError, enqueue, signInEmailJobOptions } from "@backline/queue";
import { checkDownloadUrl } from "@backline/report-service";
import { sealSignInLink } from "@backline/sign-in-outbox";
import { TEST_SECRETS, pdfText, testWorkerSettings, waitUntil, type SmtpSink } from "@backline/test-kit";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_URL, createHarness, type Harness } from "./harness.ts";

const REJECTED = "nobody@rejected.example";
let h: Harness;
let db: PrismaClient;
let smtp: SmtpSink;
let queue: Queue;
let signInQueue: Queue;
let reportsDir: string;

beforeAll(async () => {
  h = await createHarness({ customers: 60, orders: 6000, smtp: { rejectAddresses: [REJECTED] } });
  ({ db, smtp, reportsDir } = h);
  const stack = h.stack("pipeline");
  queue = stack.queue;
  signInQueue = stack.signInQueue;
  await h.startWorker(stack.prefix, 2);
});
afterAll(() => h?.close());

async function submit(type: string, params: unknown, email = "ana@example.com") {
  const report = await createReport(db, { type, params: params as object, owner: await ensureUser(db, email) });
  await enqueue(queue, "generate-report", { reportId: report.id }, { jobId: report.id });
  return report;
}

const finalStatus = (id: string) =>
  waitUntil(
    async () => {
      const r = await db.report.findUniqueOrThrow({ where: { id } });
      return r.status === "sent" || r.status === "failed" ? r : null;
    },
    { what: `report ${id} to finish` },
  );

/** "$1,234.56" from integer cents, the way the PDFs print money. */
const dollars = (cents: bigint | number) => {
  const c = BigInt(cents);
  const whole = (c / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `$${whole}.${(c % 100n).toString().padStart(2, "0")}`;
};

describe("generate-report pipeline", () => {
  it("builds a sales summary, emails it with the PDF attached, and prints the SQL totals", async () => {
    const info = await db.seedInfo.findUniqueOrThrow({ where: { id: 1 } });
    const to = new Date(info.endsAt.getTime() - 86_400_000).toISOString().slice(0, 10);
    const from = `${to.slice(0, 7)}-01`;
    const params = { from, to, groupBy: "day" };
    const report = await submit("sales-summary", params);

    const done = await finalStatus(report.id);
    expect(done.failureReason).toBeNull();
    expect(done.status).toBe("sent");
    expect(done.attempts).toBe(1);
    expect(done.pageCount).toBeGreaterThan(1);
    const file = path.join(reportsDir, done.filePath!);
    expect((await stat(file)).size).toBe(done.fileBytes);

    const mail = await smtp.waitFor((m) => m.headers.get("x-report-id") === report.id);
    expect(mail.to && "text" in mail.to ? mail.to.text : "").toBe("ana@example.com");
    // On MAIL_FROM's domain (Backline <reports@backline.test>), not APP_URL's host.
    expect(mail.messageId).toBe(`<report-${report.id}@backline.test>`);
    expect(mail.attachments).toHaveLength(1);
    const pdf = mail.attachments[0]!;
    expect(pdf.contentType).toBe("application/pdf");
    expect(pdf.content.subarray(0, 5).toString()).toBe("%PDF-");
    expect(Buffer.compare(pdf.content, await readFile(file))).toBe(0);

    // The email also carries a signed link for the owner, valid for 7 days, recorded so it can be revoked.
    const link = new URL(/https?:\/\/\S+\/download\?\S+/.exec(mail.text ?? "")![0]);
    const check = checkDownloadUrl(report.id, link.searchParams, { secret: TEST_SECRETS.DOWNLOAD_LINK_SECRET });
    expect(check).toMatchObject({ ok: true, claims: { reportId: report.id, userId: report.userId } });
    if (!check.ok) throw new Error("unreachable");
    expect(check.claims.expires * 1000 - Date.now()).toBeGreaterThan(7 * 24 * 3600_000 - 120_000);
    expect(await db.downloadLink.findMany({ where: { reportId: report.id } })).toEqual([
      expect.objectContaining({ channel: "email", userId: report.userId, revokedAt: null, expiresAt: new Date(check.claims.expires * 1000) }),
    ]);

    const start = new Date(`${from}T00:00:00Z`);
    const end = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000); // `to` is inclusive
    const [sql] = await db.$queryRaw<{ revenue: bigint; orders: bigint }[]>`
      select coalesce(sum(total_cents), 0)::bigint as revenue, count(*)::bigint as orders
      from orders where ordered_at >= ${start} and ordered_at < ${end}`;
    expect(Number(sql!.orders)).toBeGreaterThan(0);
    const { text, pages } = await pdfText(pdf.content);
    expect(pages).toHaveLength(done.pageCount!);
    expect(text).toContain("Sales summary");
    expect(text).toContain(dollars(sql!.revenue));
    expect(text).toContain(Number(sql!.orders).toLocaleString("en-US"));
    expect(pages.at(-1)).toContain(`Page ${pages.length} of ${pages.length}`);

    const events = await db.reportEvent.findMany({ where: { reportId: report.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.status)).toEqual(expect.arrayContaining(["queued", "generating", "emailing", "sent"]));
    expect(events.at(-1)!.status).toBe("sent");
  });

  it("builds a customer statement whose totals match SQL", async () => {
    const [busiest] = await db.$queryRaw<{ customer_id: number; month: string }[]>`
      select customer_id, to_char(date_trunc('month', ordered_at at time zone 'UTC'), 'YYYY-MM') as month
      from orders group by 1, 2 order by count(*) desc, 1 limit 1`;
    const report = await submit("customer-statement", { customerId: busiest!.customer_id, month: busiest!.month });
    const done = await finalStatus(report.id);
    expect(done.failureReason).toBeNull();
    expect(done.status).toBe("sent");

    const [sql] = await db.$queryRaw<{ total: bigint }[]>`
      select sum(total_cents)::bigint as total from orders
      where customer_id = ${busiest!.customer_id} and to_char(ordered_at at time zone 'UTC', 'YYYY-MM') = ${busiest!.month}`;
    const mail = await smtp.waitFor((m) => m.headers.get("x-report-id") === report.id);
    const { text } = await pdfText(mail.attachments[0]!.content);
    expect(text).toContain("Customer statement");
    expect(text).toContain(dollars(sql!.total));
  });

  it("marks a report whose email already went out (its worker died before recording it) sent, without a second email or a new link, pointing to the PDF that was emailed", async () => {
    const owner = await ensureUser(db, "once@example.com");
    const report = await createReport(db, { type: "sales-summary", params: {}, owner });
    // Attempt 1 rendered its PDF, claimed the delivery and sent it, then died before marking the report sent.
    await transitionReport(db, report.id, "generating", { message: "Attempt started", newAttempt: true });
    const firstPdf = `${report.id}-a1.pdf`;
    await writeFile(path.join(reportsDir, firstPdf), "%PDF- attempt 1");
    await transitionReport(db, report.id, "emailing", { message: "PDF ready", attempt: 1, data: { filePath: firstPdf, fileBytes: 15, pageCount: 1 } });
    const claim = await claimDelivery(db, {
      reportId: report.id,
      attempt: 1,
      recipient: owner.email,
      messageId: reportMessageId({ reportId: report.id, from: testWorkerSettings(reportsDir, APP_URL).MAIL_FROM }),
      file: { path: firstPdf, bytes: 15, pages: 1 },
    });
    if (claim.outcome !== "claimed") throw new Error("unreachable");
    await markDeliverySent(db, claim.delivery.id, "250 OK");
    await enqueue(queue, "generate-report", { reportId: report.id }, { jobId: report.id });
    const done = await finalStatus(report.id);
    expect(done).toMatchObject({ status: "sent", attempts: 2, filePath: firstPdf, fileBytes: 15, pageCount: 1 });
    expect(await db.reportEvent.count({ where: { reportId: report.id, message: { startsWith: "Already emailed" } } })).toBe(1);
    expect(smtp.messages.some((m) => m.headers.get("x-report-id") === report.id)).toBe(false);
    expect(await db.downloadLink.count({ where: { reportId: report.id } })).toBe(0);
    // Attempt 2's own render is nobody's: removed; the emailed one stays.
    expect(await readFile(path.join(reportsDir, firstPdf), "latin1")).toBe("%PDF- attempt 1");
    expect(existsSync(path.join(reportsDir, `${report.id}-a2.pdf`))).toBe(false);
  });

  it("fails a report at once, in plain words, when the mail server refuses the address", async () => {
    const report = await submit("sales-summary", {}, REJECTED);
    const done = await finalStatus(report.id);
    expect(done.status).toBe("failed");
    expect(done.attempts).toBe(1); // a 550 is permanent: no retry
    expect(done.failureReason).toMatch(/mail server rejected the message/i);
    expect(smtp.messages.some((m) => m.headers.get("x-report-id") === report.id)).toBe(false);
  });

  it("fails a report whose stored params are invalid without emailing", async () => {
    const report = await submit("sales-summary", { from: "2024-02-30" });
    const done = await finalStatus(report.id);
    expect(done.status).toBe("failed");
    expect(done.failureReason).toMatch(/from/);
    expect(smtp.messages.some((m) => m.headers.get("x-report-id") === report.id)).toBe(false);
  });
});

describe("retries", () => {
  it("stops early, in plain words, when the same unexpected failure happens twice in a row (attempt 2 of 3)", async () => {
    // A file where the reports folder should be: every attempt fails the same unexpected way (ENOTDIR).
    const blocker = path.join(reportsDir, "not-a-folder");
    await writeFile(blocker, "");
    const { prefix, queue: stackQueue } = h.stack("same-failure");
    h.spawnWorker(prefix, { REPORTS_DIR: path.join(blocker, "reports") });
    const report = await createReport(db, { type: "sales-summary", params: {}, owner: await ensureUser(db, "twice@example.com") });
    await enqueue(stackQueue, "generate-report", { reportId: report.id }, { jobId: report.id });
    const done = await finalStatus(report.id);
    expect(done).toMatchObject({ status: "failed", attempts: 2 });
    expect(done.failureReason).toMatch(/^Something went wrong while making the report \(reference [0-9a-f]{8}\)\.$/);
    expect(done.failureReason).not.toContain("ENOTDIR"); // the raw error is the log's, not the person's
    const events = await db.reportEvent.findMany({ where: { reportId: report.id }, orderBy: { id: "asc" } });
    expect(events.at(-1)!.message).toMatch(/^Failed the same way twice in a row, so stopped early/);
    expect(h.emailsFor(report.id)).toBe(0);
  });
});

describe("payload validation", () => {
  it("the enqueue helper rejects a bad payload before it reaches Redis", async () => {
    const before = await queue.getJobCountByTypes("waiting", "prioritized", "active", "completed", "failed");
    await expect(enqueue(queue, "generate-report", { reportId: "not-a-uuid" }, { jobId: "x1" })).rejects.toBeInstanceOf(InvalidJobPayloadError);
    expect(await queue.getJob("x1")).toBeUndefined();
    expect(await queue.getJobCountByTypes("waiting", "prioritized", "active", "completed", "failed")).toBe(before);
  });

  it("the worker rejects a bad payload that bypassed the producer, without retrying", async () => {
    const job = await queue.add("generate-report", { reportId: 42, extra: true } as never, { jobId: "bad-payload-1", attempts: 3 });
    const failed = await waitUntil(async () => ((await job.isFailed()) ? queue.getJob(job.id!) : null), { what: "bad job to fail" });
    expect(failed!.failedReason).toMatch(/Invalid generate-report payload/);
    expect(failed!.attemptsMade).toBe(1);
  });
});

describe("send-sign-in-link", () => {
  it("emails the link queued as the web queues it, then wipes it from the row; an expired or unreadable one is dropped unsent", async () => {
    const sealed = (email: string, url: string, secret: string = TEST_SECRETS.AUTH_SECRET) => sealSignInLink(url, email, secret);
    const row = await db.signInEmail.create({
      data: {
        email: "fay@example.com",
        sealedUrl: sealed("fay@example.com", "http://localhost:3999/api/auth/magic-link/verify?token=abc"),
        expiresAt: new Date(Date.now() + 600_000),
      },
    });
    await enqueue(signInQueue, "send-sign-in-link", { signInEmailId: row.id }, signInEmailJobOptions(row.id));
    const mail = await smtp.waitFor((m) => m.subject === "Your Backline sign-in link" && (m.to && "text" in m.to ? m.to.text : "") === "fay@example.com");
    expect(mail.text).toContain("token=abc");
    const sent = await waitUntil(async () => {
      const r = await db.signInEmail.findUniqueOrThrow({ where: { id: row.id } });
      return r.sentAt ? r : null;
    });
    expect(sent.sealedUrl).toBeNull();

    const stale = await db.signInEmail.create({
      data: { email: "gus@example.com", sealedUrl: sealed("gus@example.com", "http://localhost:3999/x?token=old"), expiresAt: new Date(Date.now() - 1000) },
    });
    // Sealed by a web app with another AUTH_SECRET (a half-done rotation): it can't be opened, so it isn't sent.
    const foreign = await db.signInEmail.create({
      data: {
        email: "hal@example.com",
        sealedUrl: sealed("hal@example.com", "http://localhost:3999/x?token=other", "another-auth-secret-0123456789abcdef"),
        expiresAt: new Date(Date.now() + 600_000),
      },
    });
    for (const { id } of [stale, foreign]) {
      await enqueue(signInQueue, "send-sign-in-link", { signInEmailId: id }, signInEmailJobOptions(id));
      await waitUntil(async () => (await db.signInEmail.findUniqueOrThrow({ where: { id } })).sealedUrl === null, { what: "the link to be wiped" });
      expect((await db.signInEmail.findUniqueOrThrow({ where: { id } })).sentAt).toBeNull();
    }
    expect(smtp.messages.some((m) => ["gus@example.com", "hal@example.com"].includes(m.to && "text" in m.to ? m.to.text : ""))).toBe(false);
  });
});
