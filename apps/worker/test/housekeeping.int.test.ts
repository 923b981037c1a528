// Housekeeping on a real database: expired sessions and sign-in tokens go, and
// sign-in email rows after a week; everything still in use stays.
import { createPrismaClient, type PrismaClient } from "@backline/db";
import { createScratchDatabase, type ScratchDatabase } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIGN_IN_EMAIL_RETENTION_MS, purgeExpired } from "../src/housekeeping.ts";

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

describe("purgeExpired", () => {
  it("deletes expired sessions and tokens and week-old sign-in emails, and keeps the rest", async () => {
    const now = new Date();
    const at = (ms: number) => new Date(now.getTime() + ms);
    const user = await db.user.create({ data: { email: "ana@example.com" } });
    await db.session.createMany({
      data: [
        { token: "expired", userId: user.id, expiresAt: at(-1000) },
        { token: "live", userId: user.id, expiresAt: at(3_600_000) },
      ],
    });
    await db.verification.createMany({
      data: [
        { identifier: "expired", value: "x", expiresAt: at(-1000) },
        { identifier: "live", value: "x", expiresAt: at(600_000) },
      ],
    });
    await db.signInEmail.createMany({
      data: [
        { email: "old@example.com", expiresAt: at(-SIGN_IN_EMAIL_RETENTION_MS), createdAt: at(-SIGN_IN_EMAIL_RETENTION_MS - 60_000), sentAt: at(-SIGN_IN_EMAIL_RETENTION_MS) },
        { email: "recent@example.com", expiresAt: at(-60_000), createdAt: at(-24 * 3600_000), sentAt: at(-24 * 3600_000) },
      ],
    });

    expect(await purgeExpired(db, now)).toEqual({ sessions: 1, verifications: 1, signInEmails: 1 });
    expect((await db.session.findMany()).map((s) => s.token)).toEqual(["live"]);
    expect((await db.verification.findMany()).map((v) => v.identifier)).toEqual(["live"]);
    expect((await db.signInEmail.findMany()).map((e) => e.email)).toEqual(["recent@example.com"]);
    expect(await db.user.count()).toBe(1); // accounts are never housekeeping's business
    expect(await purgeExpired(db, now)).toEqual({ sessions: 0, verifications: 0, signInEmails: 0 });
  });
});
