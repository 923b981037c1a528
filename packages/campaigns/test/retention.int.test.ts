// Campaign retention on a real database and real storage — a folder, and an
// S3-protocol server (s3rver) — : a campaign finished longer ago than the
// retention loses its PDFs and SMTP answers but keeps its ledger (statuses,
// Message-IDs, counts); running, recent and already-purged ones are left alone;
// a retried campaign gets a retention period of its own.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseStorageUrl } from "@backline/config";
import { createPrismaClient, ensureUser, seedDemoData, type PrismaClient } from "@backline/db";
import { createStorage, type Storage } from "@backline/storage";
import { createScratchDatabase, startS3Server, type S3Server, type ScratchDatabase } from "@backline/test-kit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { campaignPdfFolder, campaignService, purgeExpiredCampaigns } from "../src/index.ts";

let scratch: ScratchDatabase;
let db: PrismaClient;
let dir: string;
let s3: S3Server;
const storages: Record<string, Storage> = {};
const admin = { userId: "", email: "admin@example.com", admin: true };
const DAY = 86_400_000;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPrismaClient(scratch.url);
  await seedDemoData(db, { customers: 20, orders: 200 });
  admin.userId = (await ensureUser(db, admin.email)).id;
  dir = await mkdtemp(path.join(os.tmpdir(), "backline-retention-"));
  s3 = await startS3Server();
  storages.file = await createStorage({ REPORTS_DIR: dir });
  storages.s3 = await createStorage({ ...s3.env, REPORTS_DIR: dir, STORAGE_URL: parseStorageUrl(s3.env.STORAGE_URL!)! });
});
afterAll(async () => {
  for (const storage of Object.values(storages)) storage.close();
  await s3?.close();
  await db?.$disconnect();
  await scratch?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await db.campaign.deleteMany({});
});

describe.each(["file", "s3"])("purgeExpiredCampaigns (%s storage)", (kind) => {
  const storage = () => storages[kind]!;

  /** A campaign of three customers, all sent (or the first failed), finished `daysAgo` days ago, with a PDF per sent recipient. */
  async function finishedCampaign(daysAgo: number, status: "completed" | "cancelled" | "running" = "completed", firstFailed = false) {
    const created = await campaignService(db).create(
      { type: "customer-statement", params: { month: "2026-10" }, audience: { kind: "customers", ids: [1, 2, 3] } },
      admin,
    );
    if (!created.ok) throw new Error(JSON.stringify(created));
    const id = created.campaign.id;
    const recipients = await db.campaignRecipient.findMany({ where: { campaignId: id }, orderBy: { id: "asc" } });
    for (const [i, r] of recipients.entries()) {
      const failed = firstFailed && i === 0;
      const file = `${campaignPdfFolder(id)}/${r.id}-c1.pdf`;
      const writer = await storage().write(file);
      writer.stream.end("%PDF-");
      await writer.commit();
      await db.campaignRecipient.update({
        where: { id: r.id },
        data: failed
          ? { status: "failed", failureReason: "550 mailbox unknown", smtpResponse: "550 5.1.1 unknown", claims: 1 }
          : { status: "sent", messageId: `<${r.id}@example.com>`, filePath: file, fileBytes: 5, smtpResponse: "250 OK", sentAt: new Date(), claims: 1 },
      });
    }
    await db.campaign.update({
      where: { id },
      data: { status, finishedAt: status === "running" ? null : new Date(Date.now() - daysAgo * DAY) },
    });
    return id;
  }

  async function pdfsOf(id: string): Promise<number> {
    let n = 0;
    for await (const _ of storage().list(campaignPdfFolder(id))) n += 1;
    return n;
  }

  it("deletes a campaign's PDFs and SMTP answers after the retention, keeps its ledger, and leaves recent and running campaigns alone", async () => {
    const old = await finishedCampaign(31, "completed", true);
    const oldCancelled = await finishedCampaign(45, "cancelled");
    const recent = await finishedCampaign(29);
    const running = await finishedCampaign(0, "running");
    const now = new Date();

    const purged = await purgeExpiredCampaigns(db, storage(), 30, now);
    expect(purged.sort()).toEqual([old, oldCancelled].sort());
    expect(await Promise.all([old, oldCancelled, recent, running].map(pdfsOf))).toEqual([0, 0, 3, 3]);

    const ledger = await db.campaignRecipient.findMany({ where: { campaignId: old }, orderBy: { id: "asc" } });
    expect(ledger.map((r) => r.status)).toEqual(["failed", "sent", "sent"]);
    expect(ledger.every((r) => r.filePath === null && r.fileBytes === null && r.smtpResponse === null)).toBe(true);
    expect(ledger[0]!.failureReason).toBe("550 mailbox unknown"); // why it failed stays readable
    expect(ledger.slice(1).every((r) => r.messageId && r.sentAt)).toBe(true); // what keeps a resend the same message
    expect((await db.campaign.findUniqueOrThrow({ where: { id: old } })).purgedAt).toEqual(now);

    const kept = await db.campaignRecipient.findMany({ where: { campaignId: recent } });
    expect(kept.every((r) => r.filePath && r.smtpResponse === "250 OK")).toBe(true);

    expect(await purgeExpiredCampaigns(db, storage(), 30, now)).toEqual([]); // purged once
  });

  it("gives a purged campaign that is retried a retention period of its own", async () => {
    const id = await finishedCampaign(40, "completed", true);
    expect(await purgeExpiredCampaigns(db, storage(), 30)).toEqual([id]);
    const retried = await campaignService(db).command(id, "retry-failed", admin);
    expect(retried.ok).toBe(true);
    const row = await db.campaign.findUniqueOrThrow({ where: { id } });
    expect(row.purgedAt).toBeNull();
    expect(row.finishedAt).toBeNull();
    // Completed again today: nothing is due until the retention passes once more.
    await db.campaign.update({ where: { id }, data: { status: "completed", finishedAt: new Date() } });
    expect(await purgeExpiredCampaigns(db, storage(), 30)).toEqual([]);
    expect(await purgeExpiredCampaigns(db, storage(), 30, new Date(Date.now() + 31 * DAY))).toEqual([id]);
  });
});
