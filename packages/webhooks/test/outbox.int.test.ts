// The webhook outbox, written by the database in the statement that makes the
// change (the migration's triggers): one message per subscribed endpoint when a
// report is sent or fails (one per attempt and outcome, never two), when a
// schedule is paused, when a campaign pauses or completes; none for endpoints
// not subscribed, disabled, or someone else's.
import { createPrismaClient, createReport, ensureUser, transitionReport, type PrismaClient } from "@backline/db";
import { createScratchDatabase, type ScratchDatabase } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

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

const endpoint = async (userId: string, events: string[], disabled = false) =>
  db.webhookEndpoint.create({ data: { userId, url: "https://example.com/h", events, sealedSecret: "x", ...(disabled ? { disabledAt: new Date() } : {}) } });

describe("the webhook outbox", () => {
  it("gets one message per subscribed endpoint for each report outcome, per attempt, never twice", async () => {
    const ana = await ensureUser(db, "ana@example.com");
    const ben = await ensureUser(db, "ben@example.com");
    const all = await endpoint(ana.id, ["report.sent", "report.failed"]);
    const sentOnly = await endpoint(ana.id, ["report.sent"]);
    await endpoint(ana.id, ["report.sent"], true); // disabled
    await endpoint(ben.id, ["report.sent", "report.failed"]); // someone else's

    const report = await createReport(db, { type: "sales-summary", params: {}, owner: ana });
    const step = (to: "generating" | "emailing" | "sent" | "failed" | "queued", newAttempt = false) =>
      transitionReport(db, report.id, to, { message: to, newAttempt });
    await step("generating", true);
    expect(await db.webhookMessage.count()).toBe(0);
    await step("failed");
    await db.report.update({ where: { id: report.id }, data: { status: "queued" } }); // a retry
    await step("generating", true);
    await step("emailing");
    await step("sent");
    expect(await step("sent")).toBeNull(); // a replayed move changes nothing, announces nothing

    const messages = await db.webhookMessage.findMany({ orderBy: { createdAt: "asc" } });
    expect(messages.map((m) => [m.endpointId, m.type, m.subjectId]).sort()).toEqual(
      [
        [all.id, "report.failed", report.id],
        [all.id, "report.sent", report.id],
        [sentOnly.id, "report.sent", report.id],
      ].sort(),
    );
    expect(messages.every((m) => m.status === "pending" && m.enqueuedAt === null && m.payload === null)).toBe(true);
  });

  it("announces a schedule's pause and a campaign's pause and completion to their owners' subscribed endpoints", async () => {
    const cy = await ensureUser(db, "cy@example.com");
    const hooks = await endpoint(cy.id, ["schedule.paused", "campaign.completed", "campaign.paused"]);
    const schedule = await db.schedule.create({ data: { userId: cy.id, type: "sales-summary", params: {}, cron: "0 8 * * 1", timeZone: "UTC" } });
    await db.schedule.update({ where: { id: schedule.id }, data: { paused: true, pausedReason: "test" } });
    await db.schedule.update({ where: { id: schedule.id }, data: { pausedReason: "still" } }); // no change of `paused`
    const campaign = await db.campaign.create({
      data: { createdBy: cy.id, type: "customer-statement", params: {}, audience: { kind: "all-customers" }, startAt: new Date() },
    });
    for (const status of ["running", "paused", "running", "completed"] as const) await db.campaign.update({ where: { id: campaign.id }, data: { status } });

    const types = (await db.webhookMessage.findMany({ where: { endpointId: hooks.id }, orderBy: { createdAt: "asc" } })).map((m) => [m.type, m.subjectId]);
    expect(types.sort()).toEqual(
      [
        ["schedule.paused", schedule.id],
        ["campaign.paused", campaign.id],
        ["campaign.completed", campaign.id],
      ].sort(),
    );
  });
});
