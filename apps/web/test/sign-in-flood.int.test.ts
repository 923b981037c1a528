// A sign-in flood must not starve reports or burn the sender's reputation
// (security review #11, section 3). On real Postgres, Redis and SMTP: the real
// sign-in route handler takes 1,000 requests for 200 addresses (each written
// five ways: +tags, dots, googlemail, capitals) from a fresh IPv6 address per
// request, while a signed-in user asks for a report; the real worker (both
// queues, production mail rates) runs in this process. The report must still
// start within 2 s of being queued, measured from its own events, and reach
// Sent; fewer sign-in emails may go out than the caps allow.
import { seedDemoData } from "@backline/db";
import { createMailTransport } from "@backline/mail";
import { startSmtpSink, testWorkerSettings, waitUntil, type SmtpSink } from "@backline/test-kit";
import { fileStorage } from "@backline/storage";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReportWorker, type RunningWorker } from "../../worker/src/report-worker.ts";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

const CAPS = {
  SIGN_IN_EMAILS_PER_MINUTE: 60,
  SIGN_IN_EMAILS_PER_ADDRESS_PER_HOUR: 2,
  SIGN_IN_EMAILS_PER_DOMAIN_PER_HOUR: 300,
  SIGN_IN_REQUESTS_PER_IP_PER_HOUR: 30,
  SIGN_IN_REQUESTS_PER_IPV6_48_PER_HOUR: 120,
};
// The production defaults: 20 emails a second in all, 2 of them reserved for sign-in links.
const MAIL_MAX_PER_SECOND = 20;
const SIGN_IN_MAIL_MAX_PER_SECOND = 2;

let app: WebApp;
let smtp: SmtpSink;
let worker: RunningWorker | undefined;
let reportsDir: string;

beforeAll(async () => {
  app = await startWebApp({
    ...Object.fromEntries(Object.entries(CAPS).map(([k, v]) => [k, String(v)])),
    MAIL_MAX_PER_SECOND: String(MAIL_MAX_PER_SECOND),
    SIGN_IN_MAIL_MAX_PER_SECOND: String(SIGN_IN_MAIL_MAX_PER_SECOND),
  });
  await seedDemoData(app.db, { customers: 20, orders: 500 });
  smtp = await startSmtpSink();
  reportsDir = await mkdtemp(path.join(os.tmpdir(), "backline-flood-"));
});
afterAll(async () => {
  await worker?.close();
  await smtp?.close();
  await app?.close();
  if (reportsDir) await rm(reportsDir, { recursive: true, force: true });
});

const hex = (n: number) => Math.floor(Math.random() * n).toString(16);
/** A fresh IPv6 address in one of two /48s: a new /64 (and interface id) for every request. */
const freshIpv6 = (i: number) => `2001:db8:${i % 2 === 0 ? "aaaa" : "bbbb"}:${hex(0x10000)}:${hex(0x10000)}:${hex(0x10000)}:${hex(0x10000)}:${hex(0x10000)}`;
/** The five spellings of one mailbox the flood uses (the 200 mailboxes: 100 at gmail.com, 100 at example.org). */
function spelling(mailbox: number, variant: number): string {
  const user = `victim${mailbox}`;
  if (mailbox % 2 === 0) {
    const dotted = `${user.slice(0, 3)}.${user.slice(3)}`;
    return [`${user}@gmail.com`, `${user}+${variant}@gmail.com`, `${dotted}@gmail.com`, `${dotted}+x@googlemail.com`, `${user.toUpperCase()}@GMail.com`][
      variant
    ]!;
  }
  return [`${user}@example.org`, `${user}+a@example.org`, `${user}+b@example.org`, `${user}+c${variant}@example.org`, `${user.toUpperCase()}+d@EXAMPLE.org`][
    variant
  ]!;
}

describe("a sign-in flood", () => {
  it("leaves reports flowing (queue wait < 2 s, Sent) and sends fewer sign-in emails than the caps allow", async () => {
    const cookie = await app.signIn("reporter@example.com");
    // The worker starts after the reporter's own sign-in, so every sign-in email sent below belongs to the flood.
    await app.db.signInEmail.deleteMany({});
    worker = await startReportWorker({
      redisUrl: process.env.REDIS_URL!,
      prefix: app.prefix,
      concurrency: 2,
      mailMaxPerSecond: MAIL_MAX_PER_SECOND,
      signInMailMaxPerSecond: SIGN_IN_MAIL_MAX_PER_SECOND,
      signInEmailsPerMinute: CAPS.SIGN_IN_EMAILS_PER_MINUTE,
      context: {
        db: app.db,
        mail: createMailTransport(smtp.url),
        log: pino({ level: "silent" }),
        env: testWorkerSettings(reportsDir, APP_URL),
        storage: fileStorage(reportsDir),
      },
    });

    const requests = Array.from({ length: 1000 }, (_, i) => ({ email: spelling(i % 200, Math.floor(i / 200)), ip: freshIpv6(i) }));
    const statuses = new Map<number, number>();
    const floodStarted = Date.now();
    let next = 0;
    let reportId: string | undefined;
    const flooder = async () => {
      while (next < requests.length) {
        const { email, ip } = requests[next++]!;
        const response = await app.fetch("/api/auth/sign-in/magic-link", {
          method: "POST",
          headers: { origin: APP_URL, "x-forwarded-for": ip },
          json: { email },
        });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    };
    const asker = async () => {
      // In the thick of it: once a few hundred requests are in and the sign-in queue has a backlog.
      await waitUntil(async () => next >= 300, { intervalMs: 20, what: "the flood to get going" });
      const created = await app.fetch("/api/reports", {
        method: "POST",
        cookie,
        headers: { "x-forwarded-for": "192.0.2.10" },
        json: { type: "sales-summary", params: { groupBy: "month" } },
      });
      expect(created.status).toBe(202);
      reportId = (await created.json()).id as string;
    };
    await Promise.all([...Array.from({ length: 20 }, flooder), asker()]);
    const floodSeconds = (Date.now() - floodStarted) / 1000;

    // The report went through as if nothing happened.
    const sent = await waitUntil(
      async () => {
        const r = await app.db.report.findUniqueOrThrow({ where: { id: reportId! }, include: { events: { orderBy: { id: "asc" } } } });
        return r.status === "sent" || r.status === "failed" ? r : null;
      },
      { what: "the report to finish" },
    );
    expect(sent.status).toBe("sent");
    const queuedAt = sent.events.find((e) => e.status === "queued")!.at.getTime();
    const startedAt = sent.events.find((e) => e.status === "generating")!.at.getTime();
    expect(startedAt - queuedAt, "queue wait of the report, ms").toBeLessThan(2000);
    await smtp.waitFor((m) => m.headers.get("x-report-id") === reportId);

    // Every request was answered: accepted (200) or refused by a limit (429), nothing else.
    expect([...statuses.keys()].sort()).toEqual([200, 429]);
    const accepted = statuses.get(200)!;
    const allowedByGlobalCap = CAPS.SIGN_IN_EMAILS_PER_MINUTE * Math.ceil(floodSeconds / 60);
    expect(accepted).toBeLessThanOrEqual(allowedByGlobalCap);
    // Per mailbox, however it is spelled: at most the per-address cap.
    const rows = await app.db.signInEmail.findMany({ select: { email: true } });
    expect(rows).toHaveLength(accepted);
    const perMailbox = new Map<string, number>();
    for (const { email } of rows) {
      const mailbox = email.match(/^victim(\d+)/i)![1]!;
      perMailbox.set(mailbox, (perMailbox.get(mailbox) ?? 0) + 1);
    }
    expect(Math.max(...perMailbox.values())).toBeLessThanOrEqual(CAPS.SIGN_IN_EMAILS_PER_ADDRESS_PER_HOUR);

    // Sign-in links keep going out too (their own queue), never more than were accepted.
    await waitUntil(async () => smtp.messages.some((m) => m.subject === "Your Backline sign-in link"), { what: "a sign-in email to go out" });
    const signInEmails = smtp.messages.filter((m) => m.subject === "Your Backline sign-in link").length;
    expect(signInEmails).toBeLessThanOrEqual(accepted);
    expect(signInEmails).toBeLessThan(allowedByGlobalCap + 1);
  }, 180_000);
});
