// Job tracking on real services: live progress over Redis pub/sub, cancel
// across processes, retry after a real SMTP refusal, and queue position.
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import { ensureUser } from "@backline/db";
import { createRedis } from "@backline/queue";
import { ReportUpdateHub, estimateQueued, queuePosition, type Actor, type ReportCommands, type ReportUpdate } from "@backline/report-service";
import { waitUntil } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_URL, createHarness, longSalesSummaryParams, type Harness } from "./harness.ts";

const REFUSED = "refused@example.com";
let h: Harness;
let longParams: Awaited<ReturnType<typeof longSalesSummaryParams>>;

beforeAll(async () => {
  h = await createHarness({ customers: 200, orders: 40_000, smtp: { rejectAddresses: [REFUSED] } });
  longParams = await longSalesSummaryParams(h.db);
});
afterAll(() => h?.close());

/** Cancels and retries here come from an admin, who may act on anyone's report. */
const operator: Actor = { userId: randomUUID(), email: "ops@example.com", admin: true };

async function request(commands: ReportCommands, params: object, email = "ana@example.com") {
  const owner = await ensureUser(h.db, email);
  const result = await commands.request({ type: "sales-summary", params }, { userId: owner.id, email: owner.email, admin: false });
  if (!result.ok) throw new Error(`request failed: ${result.error}`);
  return result.report.id;
}

const statusOf = async (id: string) => (await h.db.report.findUniqueOrThrow({ where: { id } })).status;
const waitForStatus = (id: string, ...statuses: string[]) =>
  waitUntil(async () => statuses.includes(await statusOf(id)), { what: `report ${id} to be ${statuses.join("/")}` });

describe("live progress", () => {
  it("publishes monotonically increasing progress for a long report, and milestones in the history", async () => {
    const { prefix, commands } = h.stack("progress");
    const subscriber = createRedis(REDIS_URL, "subscriber");
    h.onClose(async () => subscriber.disconnect());
    const hub = new ReportUpdateHub(subscriber, prefix);
    const updates: ReportUpdate[] = [];

    const id = await request(commands, longParams);
    const unsubscribe = await hub.subscribe(id, (u) => updates.push(u));
    await h.startWorker(prefix);
    // The message itself, not the row: it travels over Redis after the database write.
    await waitUntil(async () => updates.some((u) => u.report.status === "sent"), { what: "the sent update" });
    await unsubscribe();

    const report = await h.db.report.findUniqueOrThrow({ where: { id } });
    expect(report.pageCount).toBeGreaterThan(60);
    const generating = updates.filter((u) => u.report.status === "generating").map((u) => u.report.progress);
    expect(new Set(generating).size).toBeGreaterThanOrEqual(3); // writes are throttled to one per 250 ms
    expect(generating).toEqual([...generating].sort((a, b) => a - b)); // never backwards
    expect(Math.max(...generating)).toBeGreaterThanOrEqual(90); // the last page's value is always written
    expect(updates.at(-1)!.report.status).toBe("sent");
    expect(updates.some((u) => u.report.stage?.startsWith("Rendering page"))).toBe(true);

    const milestones = await h.db.reportEvent.findMany({ where: { reportId: id, status: "generating" }, orderBy: { id: "asc" } });
    const percents = milestones.map((e) => e.progress);
    expect(percents.length).toBeGreaterThanOrEqual(3);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
  });
});

describe("cancel", () => {
  it("stops a generating report in another worker process, sends no email and leaves no file", async () => {
    const { prefix, queue, commands } = h.stack("cancel");
    const child = h.spawnWorker(prefix);
    const id = await request(commands, longParams, "cancel-me@example.com");
    await waitUntil(async () => (await statusOf(id)) === "generating", { what: "generation to start", intervalMs: 10 });

    const result = await commands.cancel(id, operator);
    expect(result.ok).toBe(true);
    // finishedOn and returnvalue are written by one script, so a snapshot that has
    // one has the other (reading the job, then asking isCompleted, could pair an
    // old snapshot with a new answer).
    const job = await waitUntil(
      async () => {
        const j = await queue.getJob(id);
        return j?.finishedOn ? j : null;
      },
      { what: "the worker process to let go of the job" },
    );
    expect(await job.isCompleted()).toBe(true);
    // Stopped mid-render ({cancelled}) or at the next stage boundary ({skipped}) — never emailed.
    expect(job.returnvalue).toSatisfy((v: object) => "cancelled" in v || "skipped" in v);

    const report = await h.db.report.findUniqueOrThrow({ where: { id }, include: { events: true } });
    expect(report.status).toBe("cancelled");
    expect(report.events.map((e) => e.status)).not.toContain("emailing");
    // No PDF of any attempt, finished or partial.
    expect(readdirSync(h.reportsDir).filter((name) => name.startsWith(id))).toEqual([]);
    // The job has completed (above), so its processor is done: no email can come later.
    expect(h.emailsFor(id)).toBe(0);

    // Cancelling again, or a sent report, is a conflict.
    expect(await commands.cancel(id, operator)).toMatchObject({ ok: false, status: 409 });
    child.kill("SIGTERM");
  });

  it("removes a queued report's job so no worker ever starts it", async () => {
    const { queue, commands } = h.stack("cancel-queued");
    const id = await request(commands, {});
    expect(await queue.getJob(id)).toBeDefined();
    expect((await commands.cancel(id, operator)).ok).toBe(true);
    expect(await queue.getJob(id)).toBeUndefined();
    expect(await statusOf(id)).toBe("cancelled");
  });
});

describe("retry", () => {
  it("retries a report that failed for real (SMTP refused), keeping its id and history", async () => {
    const { prefix, queue, commands } = h.stack("retry");
    await h.startWorker(prefix);
    h.smtp.rejectAddresses.add(REFUSED);
    const id = await request(commands, {}, REFUSED);
    await waitForStatus(id, "failed");
    expect((await h.db.report.findUniqueOrThrow({ where: { id } })).failureReason).toMatch(/rejected/);
    // The row says failed a moment before BullMQ lets go of the job; a retry meanwhile is a 409 "still stopping".
    await waitUntil(async () => !(await (await queue.getJob(id))?.isActive()), { what: `report ${id}'s job to stop being active` });
    expect(await commands.retry(id, operator)).toMatchObject({ ok: true });

    h.smtp.rejectAddresses.delete(REFUSED);
    await waitForStatus(id, "sent");
    const report = await h.db.report.findUniqueOrThrow({ where: { id }, include: { events: { orderBy: { id: "asc" } } } });
    expect(report.attempts).toBe(2);
    expect(report.failureReason).toBeNull();
    const starts = report.events.filter((e) => e.message === "Attempt started").map((e) => e.attempt);
    expect(starts).toEqual([1, 2]);
    expect(report.events.map((e) => e.status)).toEqual(expect.arrayContaining(["failed", "queued", "sent"]));
    expect(h.emailsFor(id)).toBe(1);
    // A sent report can't be retried.
    expect(await commands.retry(id, operator)).toMatchObject({ ok: false, status: 409 });
  });
});

describe("queue position", () => {
  it("counts down as the jobs ahead finish, with an ETA once durations are known", async () => {
    const { prefix, queue, redis, commands } = h.stack("position");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await request(commands, longParams));
    expect(await Promise.all(ids.map((id) => queuePosition(queue, redis, id)))).toEqual([1, 2, 3, 4]);

    const last = ids.at(-1)!;
    await h.startWorker(prefix, 1);
    const seen: number[] = [];
    let eta: number | null = null;
    await waitUntil(
      async () => {
        const estimate = await estimateQueued({ db: h.db, queue, redis }, { id: last, type: "sales-summary" });
        if (!estimate) return true;
        if (seen.at(-1) !== estimate.position) seen.push(estimate.position);
        eta ??= estimate.etaSeconds;
        return false;
      },
      { what: "the last report to leave the queue", intervalMs: 20 },
    );
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([...seen].sort((a, b) => b - a)); // only ever down
    expect(Math.min(...seen)).toBeLessThan(4);
    // Sent sales summaries exist (earlier tests) and one job is active: an honest ETA.
    expect(eta).toBeGreaterThan(0);
    await waitForStatus(last, "sent");
  });
});
