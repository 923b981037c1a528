// Status changes on a real database: allowed moves happen with an event,
// forbidden ones change nothing, and racing writers cannot both win.
import { createScratchDatabase, type ScratchDatabase } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, createReport, ensureUser, recordProgress, transitionReport, type PrismaClient } from "../src/index.ts";
import { IN_FLIGHT, REPORT_STATUSES, WORKER_MOVES, canCancel, canRetry, canTransition, isFinal } from "../src/report-status.ts";

let scratch: ScratchDatabase;
let db: PrismaClient;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPrismaClient(scratch.url);
});
afterAll(async () => {
  await db?.$disconnect();
  await scratch?.drop();
});

const newReport = async () => createReport(db, { type: "sales-summary", params: {}, owner: await ensureUser(db, "ana@example.com") });
const history = async (id: string) => (await db.reportEvent.findMany({ where: { reportId: id }, orderBy: { id: "asc" } })).map((e) => e.status);

describe("report lifecycle", () => {
  it("creates a queued report with its first event", async () => {
    const report = await newReport();
    expect(report.status).toBe("queued");
    expect(await history(report.id)).toEqual(["queued"]);
  });

  it("walks the happy path, counting the attempt and recording each step", async () => {
    const { id } = await newReport();
    const started = await transitionReport(db, id, "generating", { message: "start", newAttempt: true, workerId: "w1" });
    expect(started?.report.attempts).toBe(1);
    expect(started?.event).toMatchObject({ status: "generating", attempt: 1, workerId: "w1" });
    expect(started?.report.startedAt).toBeNull();
    expect(started?.report.updatedAt).toBeInstanceOf(Date);
    expect(typeof started?.event?.id).toBe("bigint");
    expect(started?.event?.at).toBeInstanceOf(Date);
    expect(await transitionReport(db, id, "emailing", { message: "pdf" })).not.toBeNull();
    expect((await transitionReport(db, id, "sent", { message: "sent" }))?.report.status).toBe("sent");
    expect(await history(id)).toEqual(["queued", "generating", "emailing", "sent"]);
    const events = await db.reportEvent.findMany({ where: { reportId: id, status: "generating" } });
    expect(events[0]).toMatchObject({ attempt: 1, workerId: "w1", message: "start" });
  });

  it("refuses forbidden moves and leaves row and history untouched", async () => {
    const { id } = await newReport();
    expect(await transitionReport(db, id, "sent", { message: "skip ahead" })).toBeNull();
    expect(await transitionReport(db, id, "emailing", { message: "skip ahead" })).toBeNull();
    await transitionReport(db, id, "generating", { message: "start" });
    await transitionReport(db, id, "emailing", { message: "pdf" });
    await transitionReport(db, id, "sent", { message: "sent" });
    // A sent report is final: nothing may requeue, fail or cancel it.
    for (const to of ["queued", "generating", "failed", "cancelled", "sent"] as const) {
      expect(await transitionReport(db, id, to, { message: "replay" })).toBeNull();
    }
    expect((await db.report.findUniqueOrThrow({ where: { id } })).status).toBe("sent");
    expect(await history(id)).toEqual(["queued", "generating", "emailing", "sent"]);
  });

  it("lets exactly one of many concurrent writers win a move", async () => {
    const { id } = await newReport();
    await transitionReport(db, id, "generating", { message: "start" });
    await transitionReport(db, id, "emailing", { message: "pdf" });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => transitionReport(db, id, "sent", { message: `writer ${i}` })));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await history(id)).filter((s) => s === "sent")).toHaveLength(1);
  });

  it("records progress only while generating, never backwards, with milestone events", async () => {
    const { id } = await newReport();
    expect(await recordProgress(db, id, { percent: 50, stage: "too early" })).toBeNull();
    await transitionReport(db, id, "generating", { message: "start" });
    const milestone = await recordProgress(db, id, { percent: 40, stage: "Rendering page 4 of 10", milestone: true });
    expect(milestone?.event).toMatchObject({ progress: 40, message: "Rendering page 4 of 10" });
    expect((await recordProgress(db, id, { percent: 45, stage: "between milestones" }))?.event).toBeNull();
    expect(await recordProgress(db, id, { percent: 30, stage: "stale" })).toBeNull();
    const row = await db.report.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ progress: 45, stage: "between milestones" });
    const milestones = await db.reportEvent.findMany({ where: { reportId: id, status: "generating" }, orderBy: { id: "asc" } });
    expect(milestones.map((e) => [e.progress, e.message])).toEqual([
      [0, "start"],
      [40, "Rendering page 4 of 10"],
    ]);
  });

  it("gives concurrent ensureUser calls for a new address one user, whatever the capitalisation", async () => {
    const users = await Promise.all(Array.from({ length: 10 }, (_, i) => ensureUser(db, i % 2 ? "New@Example.com" : "new@example.com")));
    expect(new Set(users.map((u) => u.id)).size).toBe(1);
    expect(users[0]!.email).toBe("new@example.com");
  });

  it("fences a superseded attempt: its progress, status changes and failure change nothing once another attempt started", async () => {
    const { id } = await newReport();
    const first = await transitionReport(db, id, "generating", { message: "start", newAttempt: true, workerId: "paused" });
    expect(first?.report.attempts).toBe(1);
    // Worker "paused" loses its job lock; another worker takes the report over.
    const second = await transitionReport(db, id, "generating", { message: "taken over", newAttempt: true, workerId: "fresh" });
    expect(second?.report.attempts).toBe(2);
    const before = await db.report.findUniqueOrThrow({ where: { id } });
    const eventsBefore = await db.reportEvent.count({ where: { reportId: id } });

    expect(await recordProgress(db, id, { percent: 90, stage: "stale page", milestone: true, attempt: 1 })).toBeNull();
    expect(await transitionReport(db, id, "emailing", { message: "stale pdf", attempt: 1, data: { filePath: `${id}-a1.pdf` } })).toBeNull();
    expect(await transitionReport(db, id, "failed", { message: "stale failure", attempt: 1 })).toBeNull();
    expect(await transitionReport(db, id, "queued", { message: "stale wait", attempt: 1 })).toBeNull();
    expect(await db.report.findUniqueOrThrow({ where: { id } })).toEqual(before);
    expect(await db.reportEvent.count({ where: { reportId: id } })).toBe(eventsBefore);

    // The current attempt's writes go through.
    expect(await recordProgress(db, id, { percent: 50, stage: "page 5", attempt: 2 })).not.toBeNull();
    expect((await transitionReport(db, id, "emailing", { message: "pdf", attempt: 2, data: { filePath: `${id}-a2.pdf` } }))?.report.filePath).toBe(
      `${id}-a2.pdf`,
    );
  });
});

describe("report-status", () => {
  it("says the same as the SQL that counts reports in flight (migration reports_in_flight)", async () => {
    const [fn] = await db.$queryRaw<{ def: string }[]>`select pg_get_functiondef('reports_in_flight_locked'::regproc) as def`;
    const list = /"status"\s+IN\s*\(([^)]*)\)/i.exec(fn!.def)?.[1];
    expect(list, fn!.def).toBeDefined();
    const inSql = [...list!.matchAll(/'([a-z]+)'/g)].map((m) => m[1]).sort();
    expect(inSql).toEqual([...IN_FLIGHT].sort());
  });

  it("keeps worker moves and commands apart, and derives final, in flight, cancel and retry from them", () => {
    expect(REPORT_STATUSES.filter(isFinal)).toEqual(["sent", "failed", "cancelled", "skipped"]);
    expect(IN_FLIGHT).toEqual(["queued", "generating", "emailing"]);
    expect(REPORT_STATUSES.filter(canCancel)).toEqual(["queued", "generating"]);
    expect(REPORT_STATUSES.filter(canRetry)).toEqual(["failed", "cancelled"]);
    // Only a command leaves a final status, and only back to the queue.
    for (const from of REPORT_STATUSES.filter(isFinal)) {
      expect(REPORT_STATUSES.filter((to) => canTransition(from, to))).toEqual(canRetry(from) ? ["queued"] : []);
    }
    expect(canTransition("queued", "cancelled")).toBe(true); // a command
    expect(REPORT_STATUSES.filter((from) => canTransition(from, "skipped"))).toEqual(["generating"]); // a schedule's empty run
    expect(WORKER_MOVES.queued).not.toContain("cancelled"); // not a worker's move
  });
});
