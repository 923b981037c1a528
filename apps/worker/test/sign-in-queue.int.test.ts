// Sign-in emails on a queue of their own (security review #11, section 3), on
// real Redis, Postgres and SMTP: a backlog of sign-in links, paced by their
// own limiter, doesn't delay a report; a sign-in job an older web process put
// on the reports queue is moved to its own queue and sent once; the mail rate
// is split between the two queues; closing stops both workers.
import { createReport, ensureUser } from "@backline/db";
import { createMailTransport } from "@backline/mail";
import { JOB_QUEUE, QUEUES, enqueue, sendSignInLinkJob, signInEmailJobOptions } from "@backline/queue";
import { sealSignInLink } from "@backline/sign-in-outbox";
import { TEST_SECRETS, testWorkerSettings, waitUntil } from "@backline/test-kit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailRates, startReportWorker } from "../src/report-worker.ts";
import { APP_URL, createHarness, type Harness } from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ customers: 20, orders: 500 });
});
afterAll(() => h?.close());

const to = (m: { to?: unknown }) => (m.to && typeof m.to === "object" && "text" in m.to ? String(m.to.text) : "");
const signInRow = (email: string) =>
  h.db.signInEmail.create({
    data: {
      email,
      sealedUrl: sealSignInLink(`${APP_URL}/sign-in/confirm?token=${email}`, email, TEST_SECRETS.AUTH_SECRET),
      expiresAt: new Date(Date.now() + 600_000),
    },
  });

/** A worker in this process with these mail rates (the harness's has none). */
async function startWorkerWith(
  prefix: string,
  rates: Pick<Parameters<typeof startReportWorker>[0], "mailMaxPerSecond" | "signInMailMaxPerSecond" | "signInEmailsPerMinute">,
) {
  const running = await startReportWorker({
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    prefix,
    concurrency: 1,
    ...rates,
    context: {
      db: h.db,
      mail: createMailTransport(h.smtp.url),
      log: pino({ level: "silent" }),
      env: testWorkerSettings(h.reportsDir, APP_URL),
      storage: h.storage,
    },
  });
  h.onClose(() => running.close());
  return running;
}

describe("mailRates", () => {
  it("reserves SIGN_IN_MAIL_MAX_PER_SECOND for sign-in links and gives reports the rest of MAIL_MAX_PER_SECOND", () => {
    expect(mailRates(20, 2)).toEqual({ reports: 18, signIn: 2 });
    expect(mailRates(100_000, 2)).toEqual({ reports: 99_998, signIn: 2 });
    expect(() => mailRates(2, 2)).toThrow(/SIGN_IN_MAIL_MAX_PER_SECOND \(2\) must be below MAIL_MAX_PER_SECOND \(2\)/);
    expect(mailRates(undefined, undefined)).toEqual({ signIn: undefined });
  });
});

describe("the report queue's share of MAIL_MAX_PER_SECOND", () => {
  it("paces report jobs, one email each: 3/s in all, 1 kept for sign-in links, so 9 reports start over 4 s or more", async () => {
    const { prefix, queue } = h.stack("report-rate");
    const owner = await ensureUser(h.db, "rate@example.com");
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) {
      const report = await createReport(h.db, { type: "sales-summary", params: { groupBy: "month" }, owner });
      await enqueue(queue, "generate-report", { reportId: report.id }, { jobId: report.id });
      ids.push(report.id);
    }
    const arrivals = new Map<string, number>();
    await startWorkerWith(prefix, { mailMaxPerSecond: 3, signInMailMaxPerSecond: 1 });
    await waitUntil(
      async () => {
        for (const m of h.smtp.messages) {
          const id = m.headers.get("x-report-id");
          if (typeof id === "string" && ids.includes(id) && !arrivals.has(id)) arrivals.set(id, Date.now());
        }
        return arrivals.size === ids.length;
      },
      { what: "every report email", intervalMs: 20, timeoutMs: 60_000 },
    );
    // 2 a second for reports: the 9th starts in the 5th second window, about 4 s after the 1st. The limiter
    // paces job starts (each job sends at most one email), so the starts are measured: arrival times add each
    // render's own time, which varies with the machine's load (the first render also loads the fonts).
    const starts = (await h.db.report.findMany({ where: { id: { in: ids } }, select: { startedAt: true } }))
      .map((r) => r.startedAt!.getTime())
      .sort((a, b) => a - b);
    // (Unlimited, these nine small reports all start within a second.)
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(3500);
  });
});

describe("the sign-in queue", () => {
  it("paces a backlog of sign-in links by its own limiter while a report goes straight through", async () => {
    const { prefix, queue, signInQueue } = h.stack("sign-in-backlog");
    const rows = [];
    for (let i = 0; i < 60; i++) rows.push(await signInRow(`backlog${i}@example.com`));
    await signInQueue.addBulk(rows.map((r) => ({ name: sendSignInLinkJob.name, data: { signInEmailId: r.id }, opts: signInEmailJobOptions(r.id) })));
    const started = Date.now();
    await startWorkerWith(prefix, { mailMaxPerSecond: 20, signInMailMaxPerSecond: 2 });
    await waitUntil(async () => h.smtp.messages.some((m) => to(m).startsWith("backlog")), { what: "the first sign-in email" });

    const owner = await ensureUser(h.db, "owner@example.com");
    const report = await createReport(h.db, { type: "sales-summary", params: { groupBy: "month" }, owner });
    await enqueue(queue, "generate-report", { reportId: report.id }, { jobId: report.id });
    const reportId = report.id;
    const done = await waitUntil(
      async () => {
        const r = await h.db.report.findUniqueOrThrow({ where: { id: reportId }, include: { events: { orderBy: { id: "asc" } } } });
        return r.status === "sent" || r.status === "failed" ? r : null;
      },
      { what: "the report to finish" },
    );
    expect(done.status).toBe("sent");
    const wait = done.events.find((e) => e.status === "generating")!.at.getTime() - done.events.find((e) => e.status === "queued")!.at.getTime();
    expect(wait, "the report's queue wait, ms").toBeLessThan(2000);

    // Meanwhile the sign-in links went out at their own pace: never faster than 2 a second (plus one window's slack), and not all yet.
    const seconds = (Date.now() - started) / 1000;
    const sentLinks = h.smtp.messages.filter((m) => to(m).startsWith("backlog")).length;
    expect(sentLinks).toBeGreaterThan(0);
    expect(sentLinks).toBeLessThanOrEqual(2 * Math.ceil(seconds) + 2);
    expect(await signInQueue.getJobCountByTypes("prioritized", "waiting", "delayed", "active")).toBeGreaterThan(0);
    // None of them ran on the reports queue.
    expect(await queue.getJobCountByTypes("completed")).toBe(1);
  });

  it("holds SIGN_IN_EMAILS_PER_MINUTE for what is sent: past it the queue waits for the next minute, nothing fails", async () => {
    const { prefix, signInQueue } = h.stack("sign-in-cap");
    const rows = [];
    for (let i = 0; i < 20; i++) rows.push(await signInRow(`capped${i}@example.com`));
    await signInQueue.addBulk(rows.map((r) => ({ name: sendSignInLinkJob.name, data: { signInEmailId: r.id }, opts: signInEmailJobOptions(r.id) })));
    const firstMinute = Math.floor(Date.now() / 60_000);
    await startWorkerWith(prefix, { signInEmailsPerMinute: 5 });
    const sent = () => h.smtp.messages.filter((m) => to(m).startsWith("capped")).length;
    // The cap is reached once the queue carries a rate limit until the next minute.
    await waitUntil(async () => sent() >= 5 && (await signInQueue.getRateLimitTtl()) > 0, { what: "the cap to be reached" });
    const minutes = Math.floor(Date.now() / 60_000) - firstMinute + 1; // clock minutes this test spanned (1, rarely 2)
    expect(sent()).toBeLessThanOrEqual(5 * minutes);
    expect(await signInQueue.getJobCountByTypes("failed")).toBe(0);
    expect(await signInQueue.getJobCountByTypes("prioritized", "waiting", "active")).toBe(20 - sent());
    expect(await h.db.signInEmail.count({ where: { email: { startsWith: "capped" }, sentAt: { not: null } } })).toBe(sent());
  });

  it("moves a sign-in job an older web process put on the reports queue to its own queue, and sends it once", async () => {
    const { prefix, queue, signInQueue } = h.stack("sign-in-legacy");
    await h.startWorker(prefix, 1);
    const row = await signInRow("legacy@example.com");
    // What a web process from before the sign-in queue does (enqueue() itself now refuses it).
    expect(JOB_QUEUE["send-sign-in-link"]).not.toBe(QUEUES.reports);
    await queue.add(sendSignInLinkJob.name, { signInEmailId: row.id }, signInEmailJobOptions(row.id));
    await waitUntil(async () => (await h.db.signInEmail.findUniqueOrThrow({ where: { id: row.id } })).sentAt, { what: "the legacy link to be sent" });
    expect((await queue.getJob(row.id))?.returnvalue).toEqual({ movedTo: QUEUES.signIn });
    await waitUntil(async () => (await signInQueue.getJob(row.id))?.finishedOn, { what: "the moved job to finish" });
    expect(h.smtp.messages.filter((m) => to(m) === "legacy@example.com")).toHaveLength(1);
  });

  it("stops both workers on close", async () => {
    const { prefix } = h.stack("sign-in-close");
    const running = await h.startWorker(prefix, 1);
    expect([running.worker.name, running.signInWorker.name]).toEqual([QUEUES.reports, QUEUES.signIn]);
    expect([running.worker.isRunning(), running.signInWorker.isRunning()]).toEqual([true, true]);
    await running.close();
    expect([running.worker.isRunning(), running.signInWorker.isRunning()]).toEqual([false, false]);
  });
});
