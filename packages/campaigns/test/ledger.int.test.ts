// The recipient ledger on a real database: recipients written in one statement
// (opted-out addresses skipped), claims that never overlap however many run at
// once, fencing of a lost claim, the lapsed-lease takeover that marks an
// ambiguous send, and completion only once every recipient has an outcome.
import { randomUUID } from "node:crypto";
import { createPrismaClient, ensureUser, seedDemoData, type PrismaClient } from "@backline/db";
import { createScratchDatabase, type ScratchDatabase } from "@backline/test-kit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  campaignService,
  claimRecipients,
  completeIfDone,
  markFinished,
  markSent,
  readRecipientCsv,
  release,
  releaseAfterFailedSend,
  startSending,
  type CampaignService,
} from "../src/index.ts";

let scratch: ScratchDatabase;
let db: PrismaClient;
let campaigns: CampaignService;
let transactionDone = false;
const admin = { userId: "", email: "admin@example.com", admin: true };

beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPrismaClient(scratch.url);
  await seedDemoData(db, { customers: 300, orders: 3000 });
  admin.userId = (await ensureUser(db, admin.email)).id;
  campaigns = campaignService(db);
});
afterAll(async () => {
  await db?.$disconnect();
  await scratch?.drop();
});
beforeEach(async () => {
  await db.campaign.deleteMany({});
  await db.emailOptOut.deleteMany({});
});

const month = { month: "2026-10" };
async function create(audience: object, extra: object = {}) {
  const result = await campaigns.create({ type: "customer-statement", params: month, audience: audience as never, ...extra }, admin);
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result.campaign;
}

describe("recipients", () => {
  it("are written in one statement: every customer, a region's, a list; an opted-out address is skipped with the reason", async () => {
    const someone = await db.customer.findFirstOrThrow({ orderBy: { id: "asc" }, skip: 5 });
    await db.emailOptOut.create({ data: { email: someone.email.toLowerCase() } });
    const all = await create({ kind: "all-customers" });
    expect(all.total).toBe(300);
    expect(all.counts).toEqual({ pending: 299, sending: 0, sent: 0, failed: 0, skipped: 1 });
    expect(all.status).toBe("running");

    const region = await create({ kind: "region", region: "EU" });
    expect(region.total).toBe(await db.customer.count({ where: { region: { code: "EU" } } }));
    const listed = await create({ kind: "customers", ids: [3, 1, 2, 2] });
    expect(listed.total).toBe(3);
    const later = await create({ kind: "customers", ids: [1] }, { startAt: new Date(Date.now() + 3600_000).toISOString() });
    expect(later.status).toBe("scheduled");
  });

  it("from a CSV: ids and addresses, a header, and each row naming nobody by its line number", async () => {
    const c = await db.customer.findFirstOrThrow({ orderBy: { id: "asc" }, skip: 9 });
    const csv = ["customer_id", "1", "2", "", "999999", c.email.toUpperCase(), "nobody@nowhere.example", "not an id", '"3"'].join("\n");
    const read = await readRecipientCsv(db, csv);
    expect(read.ids.sort((a, b) => a - b)).toEqual([1, 2, 3, c.id].sort((a, b) => a - b));
    expect(read.rejected).toEqual([
      { line: 5, message: "No customer has id 999999" },
      { line: 7, message: "No customer has the address nobody@nowhere.example" },
      { line: 8, message: '"not an id" is neither a customer id nor an email address' },
    ]);
  });

  it("refuses a type that isn't per recipient, and bad shared params, naming the field", async () => {
    expect(await campaigns.create({ type: "sales-summary", params: {}, audience: { kind: "all-customers" } }, admin)).toMatchObject({
      ok: false,
      status: 400,
      issues: [{ path: "type" }],
    });
    expect(await campaigns.create({ type: "customer-statement", params: { month: "2026-13" }, audience: { kind: "all-customers" } }, admin)).toMatchObject({
      ok: false,
      issues: [{ path: "params.month" }],
    });
    expect(
      await campaigns.create({ type: "customer-statement", params: month, audience: { kind: "all-customers" } }, { ...admin, admin: false }),
    ).toMatchObject({
      ok: false,
      status: 404,
    });
  });
});

describe("claims", () => {
  it("ten claimers at once get disjoint batches that cover every recipient, and nothing is claimed of a paused campaign", async () => {
    const campaign = await create({ kind: "all-customers" });
    const claims = await Promise.all(Array.from({ length: 10 }, () => claimRecipients(db, campaign.id, 40, 30_000)));
    const ids = claims.flatMap((c) => c.recipients.map((r) => r.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(300);
    expect((await claimRecipients(db, campaign.id, 40, 30_000)).recipients).toEqual([]);

    const other = await create({ kind: "customers", ids: [1, 2] });
    expect((await campaigns.command(other.id, "pause", admin)).ok).toBe(true);
    expect((await claimRecipients(db, other.id, 10, 30_000)).recipients).toEqual([]);
  });

  it("a claim reads only the rows it takes, however many are already sent", async () => {
    const campaign = await create({ kind: "all-customers" });
    await db.$executeRaw`update campaign_recipients set status = 'sent' where campaign_id = ${campaign.id}::uuid and id < (
      select id from campaign_recipients where campaign_id = ${campaign.id}::uuid order by id offset 280 limit 1)`;
    await db.$executeRawUnsafe("vacuum analyze campaign_recipients"); // as autovacuum would have, over a campaign's hours: no dead versions left to step over
    const read = await db.$transaction(async (tx) => {
      // This connection's table reads not yet flushed to the cumulative statistics (pg_stat_xact_*: exact, no delay).
      const reads = async () => {
        const [row] = await tx.$queryRaw<{ fetched: bigint; scanned: bigint }[]>`
          select idx_tup_fetch as fetched, seq_tup_read as scanned from pg_stat_xact_user_tables where relname = 'campaign_recipients'`;
        return { fetched: Number(row!.fetched), scanned: Number(row!.scanned) };
      };
      // Planned as for a campaign of 100,000 (at 300 rows a sequential scan is cheapest, and proves nothing).
      await tx.$executeRaw`set local enable_seqscan = off`;
      const before = await reads();
      const claim = await claimRecipients(tx, campaign.id, 10, 30_000);
      expect(claim.recipients).toHaveLength(10);
      const after = await reads();
      return { fetched: after.fetched - before.fetched, scanned: after.scanned - before.scanned };
    });
    // 280 of 300 are sent: a scan in id order over every status would read them all.
    expect(read.scanned).toBe(0);
    expect(read.fetched).toBeLessThan(40);
  });

  it("a claim says which of its recipients opted out meanwhile (the sender skips them without another query)", async () => {
    const campaign = await create({ kind: "customers", ids: [1, 2] });
    const two = await db.customer.findUniqueOrThrow({ where: { id: 2 } });
    await db.emailOptOut.create({ data: { email: two.email.toLowerCase() } });
    const claim = await claimRecipients(db, campaign.id, 2, 30_000);
    expect(claim.recipients.map((r) => [r.customerId, r.optedOut])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it("a lost claim writes nothing; a lapsed lease is taken over, and one lost mid-send comes back flagged ambiguous", async () => {
    const campaign = await create({ kind: "customers", ids: [1, 2] });
    const first = await claimRecipients(db, campaign.id, 2, 1);
    const [a, b] = first.recipients as [NonNullable<(typeof first.recipients)[0]>, NonNullable<(typeof first.recipients)[0]>];
    expect(await startSending(db, a.id, first.token, { messageId: "<m1@test>", filePath: "x.pdf", fileBytes: 1 })).toBe(true);
    await new Promise((r) => setTimeout(r, 20)); // both leases (1 ms) are over

    const second = await claimRecipients(db, campaign.id, 2, 30_000);
    expect(second.recipients.map((r) => [r.id, r.ambiguous, r.claims])).toEqual([
      [a.id, true, 2],
      [b.id, false, 2],
    ]);
    // The first claim is superseded: none of its writes land.
    expect(await markSent(db, a.id, first.token, "250 OK")).toBe(false);
    expect(await markFinished(db, b.id, first.token, "failed", "x")).toBe(false);
    expect(await release(db, b.id, first.token)).toBe(false);
    // The second claim resends a with the same id (counted), and sends b.
    expect(await startSending(db, a.id, second.token, { messageId: "<m1@test>", filePath: "y.pdf", fileBytes: 1 })).toBe(true);
    expect(await markSent(db, a.id, second.token, "250 OK")).toBe(true);
    expect(await completeIfDone(db, campaign.id)).toBe(false); // b is still owed an outcome
    expect(await startSending(db, b.id, second.token, { messageId: "<m2@test>", filePath: "z.pdf", fileBytes: 1 })).toBe(true);
    expect(await markSent(db, b.id, second.token, "250 OK")).toBe(true);
    expect(await completeIfDone(db, campaign.id)).toBe(true);
    const view = await campaigns.get(campaign.id, admin);
    expect(view).toMatchObject({ status: "completed", counts: { sent: 2, pending: 0, sending: 0 }, resends: 1 });
  });

  it("an ambiguous recipient given back before its resend (a pause, an outage, an error) stays ambiguous: the next claim resends it and counts it", async () => {
    const campaign = await create({ kind: "customers", ids: [1] });
    const first = await claimRecipients(db, campaign.id, 1, 1);
    const a = first.recipients[0]!;
    expect(await startSending(db, a.id, first.token, { messageId: "<m1@test>", filePath: "x.pdf", fileBytes: 1 })).toBe(true);
    await new Promise((r) => setTimeout(r, 20)); // its worker died mid-send; the lease (1 ms) is over
    const second = await claimRecipients(db, campaign.id, 1, 30_000);
    expect(second.recipients.map((r) => [r.id, r.ambiguous])).toEqual([[a.id, true]]);
    // Given back before this claim sent it again, to be claimed after a minute.
    expect(await release(db, a.id, second.token, 60_000)).toBe(true);
    expect((await claimRecipients(db, campaign.id, 1, 30_000)).recipients).toEqual([]);
    await db.$executeRaw`update campaign_recipients set claimed_until = now() - interval '1 second', not_before = null where id = ${a.id}`; // the minute passes
    const third = await claimRecipients(db, campaign.id, 1, 30_000);
    expect(third.recipients.map((r) => [r.id, r.ambiguous])).toEqual([[a.id, true]]);
    expect(await startSending(db, a.id, third.token, { messageId: "<m1@test>", filePath: "y.pdf", fileBytes: 1 })).toBe(true);
    expect(await markSent(db, a.id, third.token, "250 OK")).toBe(true);
    expect(await db.campaignRecipient.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({ status: "sent", resends: 1 });
  });

  it("a send the server surely didn't take goes back to pending: the next send is no resend (and a resend already counted isn't counted twice)", async () => {
    const campaign = await create({ kind: "customers", ids: [1, 2] });
    const first = await claimRecipients(db, campaign.id, 2, 1);
    const [a, b] = first.recipients as [NonNullable<(typeof first.recipients)[0]>, NonNullable<(typeof first.recipients)[0]>];
    expect(await startSending(db, a.id, first.token, { messageId: "<a@test>", filePath: "a.pdf", fileBytes: 1 })).toBe(true);
    await new Promise((r) => setTimeout(r, 20)); // a's worker died mid-send; b was only claimed
    const second = await claimRecipients(db, campaign.id, 2, 30_000);
    expect(second.recipients.map((r) => [r.id, r.ambiguous])).toEqual([
      [a.id, true],
      [b.id, false],
    ]);
    // Both sends refused (connection refused, 421): nothing went out this time.
    for (const r of [a, b]) {
      expect(await startSending(db, r.id, second.token, { messageId: `<${r.id}@test>`, filePath: "c.pdf", fileBytes: 1 })).toBe(true);
      expect(await releaseAfterFailedSend(db, r.id, second.token)).toBe(true);
    }
    const third = await claimRecipients(db, campaign.id, 2, 30_000);
    expect(third.recipients.map((r) => [r.id, r.ambiguous])).toEqual([
      [a.id, false],
      [b.id, false],
    ]);
    for (const r of [a, b]) {
      expect(await startSending(db, r.id, third.token, { messageId: `<${r.id}@test>`, filePath: "d.pdf", fileBytes: 1 })).toBe(true);
      expect(await markSent(db, r.id, third.token, "250 OK")).toBe(true);
    }
    const rows = await db.campaignRecipient.findMany({ where: { campaignId: campaign.id }, orderBy: { id: "asc" }, select: { resends: true } });
    expect(rows.map((r) => r.resends)).toEqual([1, 0]);
  });

  it("a pause is exact: a claim made before it can't start sending after it, and a send being claimed holds the pause until it is", async () => {
    const campaign = await create({ kind: "customers", ids: [1, 2] });
    const claim = await claimRecipients(db, campaign.id, 2, 30_000);
    const [a, b] = claim.recipients as [NonNullable<(typeof claim.recipients)[0]>, NonNullable<(typeof claim.recipients)[0]>];
    let pausing: Promise<unknown> | undefined;
    let pausedWhileClaiming = false;
    await db.$transaction(async (tx) => {
      expect(await startSending(tx, a.id, claim.token, { messageId: "<a@test>", filePath: "a.pdf", fileBytes: 1 })).toBe(true);
      pausing = campaigns.command(campaign.id, "pause", admin).then((r) => {
        pausedWhileClaiming = !transactionDone;
        return r;
      });
      await new Promise((r) => setTimeout(r, 300));
    });
    transactionDone = true;
    expect(await pausing).toMatchObject({ ok: true, campaign: { status: "paused" } });
    expect(pausedWhileClaiming).toBe(false); // the pause waited for the claim in progress
    // After the pause: the same claim can't start b, on this or any worker.
    expect(await startSending(db, b.id, claim.token, { messageId: "<b@test>", filePath: "b.pdf", fileBytes: 1 })).toBe(false);
    expect((await db.campaignRecipient.findUniqueOrThrow({ where: { id: b.id } })).status).toBe("claimed");
    expect(await campaigns.command(campaign.id, "resume", admin)).toMatchObject({ ok: true });
    expect(await startSending(db, b.id, claim.token, { messageId: "<b@test>", filePath: "b.pdf", fileBytes: 1 })).toBe(true);
  });

  it("pause, resume, cancel and retry-failed are conditional, and say why when they can't", async () => {
    const campaign = await create({ kind: "customers", ids: [1, 2, 3] });
    expect(await campaigns.command(campaign.id, "resume", admin)).toMatchObject({ ok: false, status: 409, error: expect.stringMatching(/only paused/) });
    expect(await campaigns.command(campaign.id, "pause", admin)).toMatchObject({ ok: true, campaign: { status: "paused" } });
    expect(await campaigns.command(campaign.id, "resume", admin)).toMatchObject({ ok: true, campaign: { status: "running", pausedReason: null } });
    const claim = await claimRecipients(db, campaign.id, 3, 30_000);
    for (const r of claim.recipients) await markFinished(db, r.id, claim.token, "failed", "The mail server rejected the message.");
    expect(await completeIfDone(db, campaign.id)).toBe(true);
    expect(await campaigns.command(campaign.id, "retry-failed", admin)).toMatchObject({
      ok: true,
      campaign: { status: "running", counts: { pending: 3, failed: 0 } },
    });
    expect(await campaigns.command(campaign.id, "cancel", admin)).toMatchObject({ ok: true, campaign: { status: "cancelled" } });
    expect(await campaigns.command(campaign.id, "retry-failed", admin)).toMatchObject({ ok: false, status: 409 });
    expect(await campaigns.command(randomUUID(), "pause", admin)).toMatchObject({ ok: false, status: 404 });
  });
});
