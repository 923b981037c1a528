// Housekeeping on a real database: expired sessions and sign-in tokens go,
// sign-in email rows after a week, and old PDFs nobody names — in a folder and in
// an S3-protocol server (s3rver) alike; everything still in use stays.
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPrismaClient, createReport, ensureUser, type PrismaClient } from "@backline/db";
import { parseStorageUrl } from "@backline/config";
import { createStorage, fileStorage } from "@backline/storage";
import { createScratchDatabase, startS3Server, type ScratchDatabase } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "@backline/test-kit";
import { pino } from "pino";
import { SIGN_IN_EMAIL_RETENTION_MS } from "@backline/sign-in-outbox";
import { ORPHAN_PDF_AGE_MS, purgeExpired, purgeOrphanPdfs, startHousekeeping } from "../src/housekeeping.ts";

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
        {
          email: "old@example.com",
          expiresAt: at(-SIGN_IN_EMAIL_RETENTION_MS),
          createdAt: at(-SIGN_IN_EMAIL_RETENTION_MS - 60_000),
          sentAt: at(-SIGN_IN_EMAIL_RETENTION_MS),
        },
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

describe.each(["file", "s3"])("purgeOrphanPdfs (%s storage)", (kind) => {
  it("removes old attempt PDFs (and old partial files) that no report or delivery names, and keeps named, recent and foreign ones", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "backline-housekeeping-"));
    const s3 = kind === "s3" ? await startS3Server() : null;
    const storage = await createStorage({ ...s3?.env, REPORTS_DIR: dir, STORAGE_URL: s3 ? parseStorageUrl(s3.env.STORAGE_URL!)! : undefined });
    try {
      const owner = await ensureUser(db, `pdfs-${kind}@example.com`);
      const { id } = await createReport(db, { type: "sales-summary", params: {}, owner });
      const { id: emailedId } = await createReport(db, { type: "sales-summary", params: {}, owner });
      await db.report.update({ where: { id }, data: { filePath: `${id}-a3.pdf` } });
      await db.delivery.create({
        data: { reportId: emailedId, recipient: owner.email, messageId: "<m@test>", status: "sent", filePath: `${emailedId}-a1.pdf` },
      });
      const files = {
        named: `${id}-a3.pdf`,
        superseded: `${id}-a1.pdf`,
        emailed: `${emailedId}-a1.pdf`,
        legacy: `${id}.pdf`,
        foreign: "notes.txt",
        campaign: `campaigns/${id}/1-c1.pdf`,
      };
      for (const key of Object.values(files)) {
        const writer = await storage.write(key);
        writer.stream.end("%PDF-");
        await writer.commit();
      }
      // A worker killed mid-render leaves its partial file (a folder; an S3 server drops an upload never completed by its own rules).
      if (kind === "file") await writeFile(path.join(dir, `${id}-a2.pdf.partial`), "%PDF-");
      const exists = async () => Object.fromEntries(await Promise.all(Object.entries(files).map(async ([k, key]) => [k, (await storage.stat(key)) !== null])));

      // All of it is recent: nothing goes.
      expect(await purgeOrphanPdfs(db, storage, new Date())).toBe(0);
      expect(Object.values(await exists()).every(Boolean)).toBe(true);

      // An hour on: the superseded attempt (and the partial file) go, whatever anything else is stays.
      const later = new Date(Date.now() + ORPHAN_PDF_AGE_MS + 60_000);
      expect(await purgeOrphanPdfs(db, storage, later)).toBe(kind === "file" ? 2 : 1);
      expect(await exists()).toEqual({ named: true, superseded: false, emailed: true, legacy: true, foreign: true, campaign: true });
      if (kind === "file") expect(existsSync(path.join(dir, `${id}-a2.pdf.partial`))).toBe(false);
      expect(await purgeOrphanPdfs(db, storage, later)).toBe(0);
    } finally {
      storage.close();
      await s3?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("an empty or missing store has nothing to purge", async () => {
    const storage = await createStorage({ REPORTS_DIR: path.join(os.tmpdir(), "backline-housekeeping-missing") });
    expect(await purgeOrphanPdfs(db, storage, new Date())).toBe(0);
  });
});

describe("startHousekeeping", () => {
  it("runs at start and again every interval (hourly in production; the interval is injected here)", async () => {
    const user = await db.user.create({ data: { email: "schedule@example.com" } });
    const expired = (token: string) => db.session.create({ data: { token, userId: user.id, expiresAt: new Date(Date.now() - 1000) } });
    await expired("before-start");
    const dir = await mkdtemp(path.join(os.tmpdir(), "backline-housekeeping-"));
    const housekeeping = startHousekeeping({ db, log: pino({ level: "silent" }), storage: fileStorage(dir), campaignRetentionDays: 30, intervalMs: 300 });
    try {
      await waitUntil(async () => (await db.session.count({ where: { token: "before-start" } })) === 0, { what: "the run at start" });
      // Expired after the first run: only a later run can delete it.
      await expired("between-runs");
      await waitUntil(async () => (await db.session.count({ where: { token: "between-runs" } })) === 0, { what: "the next scheduled run" });
    } finally {
      housekeeping.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
