// The admin console's queries stay index-backed as the tables grow: on 50,000
// reports (and their users, schedule runs, 10,000 campaign recipients and an
// audit log), ANALYZEd, no plan reads reports, campaign recipients, schedule
// runs or the audit log by a sequential scan. tools/admin-search-plan.ts prints
// the same plans with timings for a million reports.
import { createPrismaClient, type PrismaClient } from "@backline/db";
import { createScratchDatabase, type ScratchDatabase } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleQueries, explain, fillForPlans, type PlanSubjects } from "../tools/admin-search-plan.ts";

let scratch: ScratchDatabase;
let db: PrismaClient;
let subjects: PlanSubjects;
beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPrismaClient(scratch.url);
  subjects = await fillForPlans(db, 50_000);
});
afterAll(async () => {
  await db?.$disconnect();
  await scratch?.drop();
});

const BIG_TABLES = ["reports", "campaign_recipients", "schedule_runs", "audit_log"];

describe("the admin console's queries on 50,000 reports", () => {
  it("read every big table through an index, never a Seq Scan", async () => {
    const queries = consoleQueries(subjects);
    expect(queries.length).toBeGreaterThanOrEqual(15);
    for (const { name, sql } of queries) {
      const plan = await explain(db, sql, false);
      for (const table of BIG_TABLES) {
        expect(plan, `${name}:\n${plan}`).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
        const reads = new RegExp(`\\b(from|join) ${table}\\b`).test(sql.sql);
        if (reads)
          expect(plan, `${name} reads ${table}:\n${plan}`).toMatch(
            new RegExp(`(Index Scan|Index Scan Backward|Index Only Scan|Bitmap Heap Scan) (using \\S+ )?on ${table}\\b`),
          );
      }
    }
  });

  it("finds what the subjects name", async () => {
    const [report] = await db.$queryRaw<{ id: string }[]>(consoleQueries(subjects)[0]!.sql);
    expect(report?.id).toBe(subjects.reportId);
    const byAddress = await db.$queryRaw<{ ownerEmail: string }[]>(consoleQueries(subjects)[1]!.sql);
    expect(byAddress.length).toBe(50);
    expect(new Set(byAddress.map((r) => r.ownerEmail))).toEqual(new Set([subjects.address]));
  });
});
