// The lifecycle and delivery claims write with raw SQL (one statement per change)
// and return the rows they wrote. Those rows must be exactly what Prisma reads —
// every column, with its type — so a column added to the schema but not to the
// raw statements' lists fails here instead of coming back undefined while typed as present.
import { createScratchDatabase, type ScratchDatabase } from "@backline/test-kit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimDelivery, createPrismaClient, createReport, ensureUser, recordProgress, transitionReport, type PrismaClient } from "../src/index.ts";

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

const prismaReport = (id: string) => db.report.findUniqueOrThrow({ where: { id } });
const prismaEvent = (id: bigint) => db.reportEvent.findUniqueOrThrow({ where: { id } });

describe("rows returned by raw SQL", () => {
  it("are the rows Prisma reads, column for column (reports, report events, deliveries)", async () => {
    const owner = await ensureUser(db, "raw@example.com");
    expect(owner).toStrictEqual(await db.user.findUniqueOrThrow({ where: { id: owner.id }, select: { id: true, email: true } }));

    const created = await createReport(db, {
      type: "sales-summary",
      params: { region: "EU" },
      owner,
      idempotencyKey: "k-1",
      requestHash: "h-1",
    });
    expect(created).toStrictEqual(await prismaReport(created.id));

    // The web app's request path writes a new report with plain pg (a prepared statement on its own pool): the same row.
    const pool = new pg.Pool({ connectionString: scratch.url, max: 1 });
    try {
      const viaPg = await createReport(pool, {
        type: "sales-summary",
        params: { region: "US" },
        owner,
        idempotencyKey: "k-2",
        requestHash: "h-2",
        requestId: "r-2",
      });
      expect(viaPg).toStrictEqual(await prismaReport(viaPg.id));
    } finally {
      await pool.end();
    }

    const started = await transitionReport(db, created.id, "generating", {
      message: "Attempt started",
      newAttempt: true,
      workerId: "w1",
      data: { startedAt: new Date(), progress: 0, stage: "Querying data" },
    });
    expect(started!.report).toStrictEqual(await prismaReport(created.id));
    expect(started!.event).toStrictEqual(await prismaEvent(started!.event!.id));

    const progressed = await recordProgress(db, created.id, { percent: 40, stage: "Rendering page 2 of 5", milestone: true, workerId: "w1", attempt: 1 });
    expect(progressed!.report).toStrictEqual(await prismaReport(created.id));
    expect(progressed!.event).toStrictEqual(await prismaEvent(progressed!.event!.id));

    const file = { path: `${created.id}-a1.pdf`, bytes: 2048, pages: 5 };
    const emailing = await transitionReport(db, created.id, "emailing", {
      message: "PDF ready",
      attempt: 1,
      data: { filePath: file.path, fileBytes: file.bytes, pageCount: file.pages, progress: 100 },
    });
    expect(emailing!.report).toStrictEqual(await prismaReport(created.id));

    const claim = await claimDelivery(db, { reportId: created.id, attempt: 1, recipient: owner.email, messageId: "<m@test>", file });
    expect(claim.outcome).toBe("claimed");
    if (claim.outcome !== "claimed") return;
    expect(claim.delivery).toStrictEqual(await db.delivery.findUniqueOrThrow({ where: { id: claim.delivery.id } }));

    const sent = await transitionReport(db, created.id, "sent", { message: "Sent", attempt: 1, data: { finishedAt: new Date(), messageId: "<m@test>" } });
    expect(sent!.report).toStrictEqual(await prismaReport(created.id));
  });
});
