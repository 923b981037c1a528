// What a person is told when a report fails, on real services: a fixed plain
// phrase in failure_reason and in the timeline, never the mail server's reply
// (hosts, addresses, codes), and no worker ids (`hostname:pid`) in the report
// view that the status API and page show.
import { createReport, ensureUser, type PrismaClient } from "@backline/db";
import { enqueue } from "@backline/queue";
import { toEventView, toReportView } from "@backline/report-service";
import { waitUntil } from "@backline/test-kit";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness.ts";

const REJECTED = "nobody@rejected.example";
let h: Harness;
let db: PrismaClient;
let queue: Queue;
let workerId: string;

beforeAll(async () => {
  h = await createHarness({ customers: 10, orders: 300, smtp: { rejectAddresses: [REJECTED] } });
  db = h.db;
  const stack = h.stack("failure-text");
  queue = stack.queue;
  workerId = (await h.startWorker(stack.prefix)).workerId;
});
afterAll(() => h?.close());

describe("a failed report's words", () => {
  it("are a fixed phrase, in the row and the timeline; the SMTP reply and the worker id stay out of the view", async () => {
    const report = await createReport(db, { type: "sales-summary", params: {}, owner: await ensureUser(db, REJECTED) });
    await enqueue(queue, "generate-report", { reportId: report.id }, { jobId: report.id });
    const done = await waitUntil(
      async () => {
        const r = await db.report.findUniqueOrThrow({ where: { id: report.id } });
        return r.status === "failed" ? r : null;
      },
      { what: "the report to fail" },
    );
    expect(done.failureReason).toBe("The mail server rejected the message.");
    const events = await db.reportEvent.findMany({ where: { reportId: report.id }, orderBy: { id: "asc" } });
    expect(events.at(-1)!.message).toBe("Failed: The mail server rejected the message.");
    for (const e of events) expect(e.message).not.toMatch(/5\.1\.1|550|Recipient address|rejected\.example>/);

    // The worker id is recorded (for operators)…
    expect(events.some((e) => e.workerId === workerId)).toBe(true);
    // …but is in nothing a person is shown.
    const view = JSON.stringify({ ...toReportView(done), events: events.map(toEventView) });
    expect(view).not.toContain(workerId);
    expect(view).not.toContain("workerId");
  });
});
