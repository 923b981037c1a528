// Recovery on real services: the reconciler rebuilds lost Redis state from
// Postgres, reports and pending sign-in links (one active at a time), and a job whose worker is killed -9
// (or paused past its lock) is taken over and emailed exactly once.
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createReport, ensureUser } from "@backline/db";
import { PRIORITY, createRedis, enqueue } from "@backline/queue";
import { sealSignInLink } from "@backline/sign-in-outbox";
import { TEST_SECRETS, waitUntil } from "@backline/test-kit";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startReconciler } from "../src/reconciler.ts";
import { REDIS_URL, createHarness, longSalesSummaryParams, type Harness } from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ customers: 100, orders: 30_000 });
});
afterAll(() => h?.close());
// Each test's workers go with it: they read the whole database (see endTest).
afterEach(() => h?.endTest());

function setup(label: string) {
  const { prefix, queue, signInQueue } = h.stack(label);
  const redis = createRedis(REDIS_URL, "worker");
  h.onClose(async () => redis.disconnect());
  const reconciler = () => {
    const r = startReconciler({
      db: h.db,
      prefix,
      databaseUrl: h.scratch.url,
      queue,
      signInQueue,
      redis,
      log: pino({ level: "silent" }),
      intervalMs: 60_000,
      graceMs: 0,
      workerId: "test",
    });
    h.onClose(() => r.stop());
    return r;
  };
  return { prefix, queue, signInQueue, reconciler };
}

const newReport = async (email: string) => (await createReport(h.db, { type: "sales-summary", params: {}, owner: await ensureUser(h.db, email) })).id;
const allSent = (ids: string[]) =>
  waitUntil(async () => (await h.db.report.count({ where: { id: { in: ids }, status: "sent" } })) === ids.length, { what: "every report to be sent" });

describe("reconciler", () => {
  it("enqueues reports whose row was written but whose job never was (web died in between)", async () => {
    const { prefix, queue, reconciler } = setup("orphans");
    const ids = await Promise.all([1, 2, 3].map(() => newReport("orphan@example.com")));
    expect(await reconciler().tick()).toBe(3);
    for (const id of ids) expect((await queue.getJob(id))?.data).toEqual({ reportId: id });
    await h.startWorker(prefix, 2);
    await allSent(ids);
    for (const id of ids) expect(h.emailsFor(id)).toBe(1);
    const notes = await h.db.reportEvent.findMany({ where: { reportId: ids[0], message: { contains: "Re-queued" } } });
    expect(notes).toHaveLength(1);
  });

  it("rebuilds the queue after Redis lost it, without duplicating live jobs", async () => {
    const { prefix, queue, reconciler } = setup("flushed");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await newReport("flushed@example.com");
      await enqueue(queue, "generate-report", { reportId: id }, { jobId: id });
      ids.push(id);
    }
    const r = reconciler();
    expect(await r.tick()).toBe(0); // every job is alive: nothing to do
    await queue.obliterate({ force: true }); // what a Redis restart without persistence does to us
    expect(await queue.getJob(ids[0]!)).toBeUndefined();
    expect(await r.tick()).toBe(4);
    expect(await r.tick()).toBe(0);
    await h.startWorker(prefix, 2);
    await allSent(ids);
    for (const id of ids) expect(h.emailsFor(id)).toBe(1);
  });

  it("gives a sign-in link still waiting for its email its job back, once; not an expired or a sent one", async () => {
    const { prefix, queue, signInQueue, reconciler } = setup("sign-in");
    const email = "lost-link@example.com";
    const minutes = (n: number) => new Date(Date.now() + n * 60_000);
    const sealed = sealSignInLink("http://localhost:3999/api/auth/magic-link/verify?token=lost", email, TEST_SECRETS.AUTH_SECRET);
    const waiting = await h.db.signInEmail.create({ data: { email, sealedUrl: sealed, expiresAt: minutes(10) } });
    await h.db.signInEmail.create({ data: { email, sealedUrl: sealed, expiresAt: minutes(-1) } });
    await h.db.signInEmail.create({ data: { email, sealedUrl: null, sentAt: new Date(), expiresAt: minutes(10) } });
    const r = reconciler();
    expect(await r.tick()).toBe(1);
    expect(await queue.getJob(waiting.id)).toBeUndefined(); // not on the reports queue: sign-in links have their own
    const job = await signInQueue.getJob(waiting.id);
    expect([job?.name, job?.data, job?.opts.priority]).toEqual(["send-sign-in-link", { signInEmailId: waiting.id }, PRIORITY.signIn]);
    expect(await r.tick()).toBe(0);
    await h.startWorker(prefix, 1);
    await waitUntil(async () => (await h.db.signInEmail.findUniqueOrThrow({ where: { id: waiting.id } })).sentAt, { what: "the link to be sent" });
    const sent = h.smtp.messages.filter((m) => (m.to && "text" in m.to ? m.to.text : "") === email);
    expect(sent.map((m) => m.text)).toEqual([expect.stringContaining("token=lost")]);
  });

  it("writes each re-add to the audit log as the reconciler's: the row, its queue and why", async () => {
    const { queue, signInQueue, reconciler } = setup("audit");
    const lost = await newReport("audited@example.com");
    const ended = await newReport("audited@example.com");
    await enqueue(queue, "generate-report", { reportId: ended }, { jobId: ended });
    await (await queue.client).hset(queue.toKey(ended), { finishedOn: String(Date.now()) }); // its job ended, its row says otherwise
    const link = await h.db.signInEmail.create({
      data: {
        email: "audited@example.com",
        sealedUrl: sealSignInLink("http://x.test/?token=a", "audited@example.com", TEST_SECRETS.AUTH_SECRET),
        expiresAt: new Date(Date.now() + 600_000),
      },
    });
    const before = new Date();
    expect(await reconciler().tick()).toBe(3);
    const entries = await h.db.auditEntry.findMany({ where: { at: { gte: before } }, orderBy: { id: "asc" } });
    expect(entries.map((e) => [e.actor, e.action, e.target, e.detail])).toEqual([
      ["reconciler", "reconciler.requeue", lost, { queue: queue.name, why: "job missing from Redis", workerId: "test" }],
      ["reconciler", "reconciler.requeue", ended, { queue: queue.name, why: "job ended without finishing the report", workerId: "test" }],
      ["reconciler", "reconciler.requeue", link.id, { queue: signInQueue.name, why: "job missing from Redis", workerId: "test" }],
    ]);
    // Nothing left in flight: every spawned worker's reconciler below sees this database's rows.
    await h.db.report.updateMany({ where: { id: { in: [lost, ended] } }, data: { status: "cancelled" } });
    await h.db.signInEmail.delete({ where: { id: link.id } });
  });

  it("runs in one process at a time", async () => {
    const { queue, reconciler } = setup("leader");
    const a = reconciler();
    const b = reconciler();
    await a.tick(); // a takes the lock
    const id = await newReport("leader@example.com");
    expect(await b.tick()).toBe(0);
    expect(await queue.getJob(id)).toBeUndefined();
    await a.stop(); // the lock goes with a's session
    expect(await b.tick()).toBe(1);
  });
});

describe("crash recovery", () => {
  it("takes over a report whose worker was killed -9 mid-render, and emails it once", async () => {
    const { prefix, queue } = setup("crash");
    const child = h.spawnWorker(prefix, { WORKER_LOCK_MS: "3000" });
    const report = await createReport(h.db, {
      type: "sales-summary",
      params: await longSalesSummaryParams(h.db),
      owner: await ensureUser(h.db, "crash@example.com"),
    });
    await enqueue(queue, "generate-report", { reportId: report.id }, { jobId: report.id });
    await waitUntil(async () => (await h.db.report.findUniqueOrThrow({ where: { id: report.id } })).status === "generating", {
      what: "the child worker to start",
      intervalMs: 10,
    });
    child.kill("SIGKILL");
    await h.startWorker(prefix); // the survivor

    await allSent([report.id]);
    const done = await h.db.report.findUniqueOrThrow({ where: { id: report.id }, include: { events: { orderBy: { id: "asc" } } } });
    expect(done.attempts).toBe(2);
    const starters = done.events.filter((e) => e.message === "Attempt started").map((e) => e.workerId);
    expect(starters).toHaveLength(2);
    expect(starters[0]).toMatch(new RegExp(`:${child.pid}$`));
    expect(starters[1]).not.toBe(starters[0]);
    expect(h.emailsFor(report.id)).toBe(1);
  });

  it("a worker paused past its lock (SIGSTOP) that resumes after another sent the report changes nothing: the sent PDF stays, byte for byte the one emailed", async () => {
    const { prefix, queue } = setup("paused");
    const child = h.spawnWorker(prefix, { WORKER_LOCK_MS: "2000" });
    const report = await createReport(h.db, {
      type: "sales-summary",
      params: await longSalesSummaryParams(h.db),
      owner: await ensureUser(h.db, "paused@example.com"),
    });
    await enqueue(queue, "generate-report", { reportId: report.id }, { jobId: report.id });
    const firstPartial = path.join(h.reportsDir, `${report.id}-a1.pdf.partial`);
    await waitUntil(async () => existsSync(firstPartial), { what: "the first worker to be mid-render", intervalMs: 5 });
    child.kill("SIGSTOP");
    h.onClose(async () => void child.kill("SIGCONT"));
    await h.startWorker(prefix); // takes the job over once the paused worker's lock runs out

    await allSent([report.id]);
    const sent = await h.db.report.findUniqueOrThrow({ where: { id: report.id } });
    expect(sent).toMatchObject({ attempts: 2, filePath: `${report.id}-a2.pdf` });
    const emailed = h.smtp.messages.find((m) => m.headers.get("x-report-id") === report.id)!.attachments[0]!.content;
    const eventsWhenSent = await h.db.reportEvent.count({ where: { reportId: report.id } });

    // The paused worker carries on: it finishes its render, finds itself superseded, removes only its own file.
    child.kill("SIGCONT");
    await waitUntil(async () => !readdirSync(h.reportsDir).some((name) => name.startsWith(`${report.id}-a1.pdf`)), {
      what: "the resumed worker to finish and clean up",
    });
    expect(await h.db.report.findUniqueOrThrow({ where: { id: report.id } })).toEqual(sent);
    expect(await h.db.reportEvent.count({ where: { reportId: report.id } })).toBe(eventsWhenSent);
    expect(await readFile(path.join(h.reportsDir, sent.filePath!))).toEqual(emailed);
    expect(h.emailsFor(report.id)).toBe(1);
  });
});

describe("graceful shutdown", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("on %s finishes the report in flight, takes no new one, and exits 0", async (signal) => {
    const { prefix, queue } = setup(`shutdown-${signal}`);
    // Room for a long render on a busy machine: this is about draining, not about losing the lock or the timeout.
    const child = h.spawnWorker(prefix, { WORKER_LOCK_MS: "30000", WORKER_SHUTDOWN_TIMEOUT_MS: "120000" });
    const params = await longSalesSummaryParams(h.db);
    const first = await createReport(h.db, { type: "sales-summary", params, owner: await ensureUser(h.db, "drain@example.com") });
    const second = await createReport(h.db, { type: "sales-summary", params, owner: await ensureUser(h.db, "drain@example.com") });
    for (const id of [first.id, second.id]) await enqueue(queue, "generate-report", { reportId: id }, { jobId: id });
    await waitUntil(async () => (await h.db.report.findUniqueOrThrow({ where: { id: first.id } })).status === "generating", {
      what: "the first report to start",
      intervalMs: 10,
    });

    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill(signal);
    expect(await exited).toBe(0);
    const done = await h.db.report.findUniqueOrThrow({ where: { id: first.id } });
    expect(done).toMatchObject({ status: "sent", attempts: 1 }); // finished by the worker that had it
    expect(h.emailsFor(first.id)).toBe(1);
    expect((await h.db.report.findUniqueOrThrow({ where: { id: second.id } })).status).toBe("queued"); // left for others
  });

  it("gives up after WORKER_SHUTDOWN_TIMEOUT_MS: exits 1 mid-send, and another worker takes the report over and sends it once", async () => {
    const { prefix, queue } = setup("shutdown-timeout");
    const child = h.spawnWorker(prefix, { WORKER_SHUTDOWN_TIMEOUT_MS: "200", WORKER_LOCK_MS: "2000" });
    // The mail server holds the first message's reply for a minute: the worker is surely mid-send when told to stop.
    h.smtp.stallNext(60_000);
    const report = await createReport(h.db, { type: "sales-summary", params: {}, owner: await ensureUser(h.db, "timeout@example.com") });
    await enqueue(queue, "generate-report", { reportId: report.id }, { jobId: report.id });
    await waitUntil(async () => (await h.db.delivery.count({ where: { reportId: report.id, status: "sending" } })) === 1, {
      what: "the worker to be sending",
      intervalMs: 10,
    });

    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const signalledAt = Date.now();
    child.kill("SIGTERM");
    expect(await exited).toBe(1);
    expect(Date.now() - signalledAt).toBeLessThan(10_000); // it did not wait for the stalled send
    expect((await h.db.report.findUniqueOrThrow({ where: { id: report.id } })).status).toBe("emailing");

    // The survivor waits out the delivery's lease (the send may have arrived), resends with the same Message-ID, once.
    await h.startWorker(prefix);
    await allSent([report.id]);
    const done = await h.db.report.findUniqueOrThrow({ where: { id: report.id }, include: { events: true } });
    // 2, or 3 when the takeover came before the lease ran out and had to wait for it ("Another worker may still be sending").
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(done.events.some((e) => e.message.startsWith("Resending"))).toBe(true);
    expect(h.emailsFor(report.id)).toBe(1);
  });
});
