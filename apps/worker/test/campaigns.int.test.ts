// Campaigns end to end on real services: worker processes claim and send, the
// SMTP sink is the judge. Every recipient gets exactly one email carrying
// their own PDF; a pause is exact (only sends already started finish) and resume sends
// only the rest; refusals are retried on request; a storm of refusals trips the
// breaker; cancel stops it for good.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { campaignService, type CampaignService } from "@backline/campaigns";
import { ensureUser } from "@backline/db";
import { pdfText, waitUntil } from "@backline/test-kit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness.ts";

let h: Harness;
let campaigns: CampaignService;
const admin = { userId: "", email: "admin@example.com", admin: true };
/** Fast enough to finish in a test, slow enough to pause mid-way: the campaigns' share of the mail rate. */
const workerEnv = (perSecond: number) => ({
  MAIL_MAX_PER_SECOND: String(perSecond * 2 + 10),
  SIGN_IN_MAIL_MAX_PER_SECOND: "5",
  CAMPAIGN_MAIL_MAX_PER_SECOND: String(perSecond),
  CAMPAIGN_CONCURRENCY: "2",
  CAMPAIGN_BATCH_SIZE: "10",
  CAMPAIGN_LEASE_MS: "5000",
  CAMPAIGN_BREAKER_WINDOW: "20",
});

beforeAll(async () => {
  h = await createHarness({ customers: 2000, orders: 20_000, smtp: { keep: "headers" } });
  campaigns = campaignService(h.db);
  admin.userId = (await ensureUser(h.db, admin.email)).id;
});
afterAll(() => h?.close());
// Each test's workers go with it: they read the whole database (see endTest).
afterEach(() => h?.endTest());

/** Accepted messages per X-Campaign-Recipient of one campaign. */
function sinkCounts(campaignId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of h.smtp.accepted) {
    if (m.xHeaders["x-campaign-id"] !== campaignId) continue;
    const r = m.xHeaders["x-campaign-recipient"]!;
    counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  return counts;
}

async function start(audience: object) {
  const result = await campaigns.create({ type: "customer-statement", params: { month: "2026-10" }, audience: audience as never }, admin);
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result.campaign;
}
const statusOf = async (id: string) => (await campaigns.get(id, admin))!;

describe("a campaign", () => {
  it("2,000 recipients, three worker processes: each recipient emailed once, with their own statement", { timeout: 600_000 }, async () => {
    const { prefix } = h.stack("campaign-2000");
    for (let i = 0; i < 3; i++) h.spawnWorker(prefix, workerEnv(400));
    const campaign = await start({ kind: "all-customers" });
    expect(campaign.total).toBe(2000);
    await waitUntil(async () => (await statusOf(campaign.id)).status === "completed", {
      timeoutMs: 540_000,
      intervalMs: 1000,
      what: "the campaign to complete",
    });

    const view = await statusOf(campaign.id);
    expect(view.counts).toEqual({ pending: 0, sending: 0, sent: 2000, failed: 0, skipped: 0 });
    // The sink's own count: every recipient once, no one twice, nothing for anyone else.
    const counts = sinkCounts(campaign.id);
    expect(counts.size).toBe(2000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const rows = await h.db.campaignRecipient.findMany({ where: { campaignId: campaign.id }, select: { id: true } });
    expect(new Set(rows.map((r) => r.id.toString()))).toEqual(new Set(counts.keys()));

    // Spot checks: the PDF that went to a recipient is their statement, with the total SQL gives.
    for (const customerId of [1, 777, 2000]) {
      const recipient = await h.db.campaignRecipient.findFirstOrThrow({ where: { campaignId: campaign.id, customerId }, include: {} });
      const customer = await h.db.customer.findUniqueOrThrow({ where: { id: customerId } });
      const [{ total }] = (await h.db.$queryRaw<{ total: bigint | null }[]>`
        select sum(total_cents) as total from orders where customer_id = ${customerId} and ordered_at >= '2026-10-01' and ordered_at < '2026-11-01'`) as [
        { total: bigint | null },
      ];
      const text = (await pdfText(await readFile(path.join(h.reportsDir, recipient.filePath!)))).text;
      expect(text).toContain(customer.name);
      const dollars = (Number(total ?? 0n) / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      expect(text).toContain(dollars);
    }
  });

  it("pauses exactly (only sends already started finish), resumes with only the rest, none twice; cancel stops it for good", { timeout: 300_000 }, async () => {
    const { prefix } = h.stack("campaign-pause");
    for (let i = 0; i < 2; i++) h.spawnWorker(prefix, workerEnv(20));
    const campaign = await start({ kind: "customers", ids: Array.from({ length: 300 }, (_, i) => i + 1) });
    await waitUntil(async () => (await statusOf(campaign.id)).counts.sent >= 40, { what: "40 sent", timeoutMs: 120_000 });
    expect((await campaigns.command(campaign.id, "pause", admin)).ok).toBe(true);
    const pausedAt = Date.now();
    // Exact, on every worker: only recipients that had started sending when the pause committed may still
    // arrive (startSending reads the campaign FOR SHARE); they finish, and nothing else is sent.
    const startedBeforePause = new Set(
      (await h.db.campaignRecipient.findMany({ where: { campaignId: campaign.id, status: { in: ["sending", "sent"] } }, select: { id: true } })).map((r) =>
        r.id.toString(),
      ),
    );
    await waitUntil(async () => (await statusOf(campaign.id)).counts.sending === 0, { what: "the sends in flight to finish", timeoutMs: 60_000 });
    const stoppedMs = Date.now() - pausedAt;
    const sentAtPause = (await statusOf(campaign.id)).counts.sent;
    await waitUntil(async () => sinkCounts(campaign.id).size >= sentAtPause, { what: "the sink to have every sent email", timeoutMs: 30_000 });
    const afterPause = sinkCounts(campaign.id).size;
    expect([...sinkCounts(campaign.id).keys()].filter((r) => !startedBeforePause.has(r))).toEqual([]);
    expect(afterPause).toBe(sentAtPause);
    expect(await statusOf(campaign.id)).toMatchObject({ status: "paused", counts: { sending: 0, sent: afterPause } });
    console.info(`campaign pause: sending stopped ${stoppedMs} ms after the pause (${startedBeforePause.size} had started)`);

    expect((await campaigns.command(campaign.id, "resume", admin)).ok).toBe(true);
    await waitUntil(async () => (await statusOf(campaign.id)).counts.sent >= afterPause + 40, { what: "40 more sent", timeoutMs: 120_000 });
    expect((await campaigns.command(campaign.id, "cancel", admin)).ok).toBe(true);
    await waitUntil(async () => (await statusOf(campaign.id)).counts.sending === 0, { what: "the sends in flight to finish", timeoutMs: 60_000 });
    const view = await statusOf(campaign.id);
    await waitUntil(async () => sinkCounts(campaign.id).size >= view.counts.sent, { what: "the sink to have every sent email", timeoutMs: 30_000 });
    const final = sinkCounts(campaign.id);
    expect([...final.values()].every((n) => n === 1)).toBe(true);
    expect(view.status).toBe("cancelled");
    expect(view.counts.sent).toBe(final.size);
    expect(view.counts.sent).toBeLessThan(300);
  });

  it("recipients refused (550) fail with the reason and are sent on retry-failed; a storm of refusals pauses the campaign", { timeout: 300_000 }, async () => {
    const { prefix } = h.stack("campaign-refused");
    h.spawnWorker(prefix, workerEnv(200));
    const refused = await h.db.customer.findMany({ where: { id: { in: [1001, 1002, 1003] } }, select: { email: true } });
    for (const c of refused) h.smtp.rejectAddresses.add(c.email.toLowerCase());
    const campaign = await start({ kind: "customers", ids: Array.from({ length: 30 }, (_, i) => 1001 + i) });
    await waitUntil(async () => (await statusOf(campaign.id)).status === "completed", { what: "the campaign to complete", timeoutMs: 120_000 });
    expect((await statusOf(campaign.id)).counts).toMatchObject({ sent: 27, failed: 3 });
    const failed = await campaigns.recipients(campaign.id, admin, { status: "failed" });
    expect(failed?.map((r) => r.failureReason)).toEqual(Array(3).fill("The mail server rejected the message."));

    h.smtp.rejectAddresses.clear();
    expect((await campaigns.command(campaign.id, "retry-failed", admin)).ok).toBe(true);
    await waitUntil(async () => (await statusOf(campaign.id)).status === "completed", { what: "the retry to complete", timeoutMs: 120_000 });
    expect((await statusOf(campaign.id)).counts).toMatchObject({ sent: 30, failed: 0 });
    expect([...sinkCounts(campaign.id).values()].every((n) => n === 1)).toBe(true);

    // Everything refused: the breaker pauses the campaign after its window instead of burning through the list.
    const storm = await start({ kind: "customers", ids: Array.from({ length: 200 }, (_, i) => 1101 + i) });
    const all = await h.db.customer.findMany({ where: { id: { gte: 1101, lte: 1300 } }, select: { email: true } });
    for (const c of all) h.smtp.rejectAddresses.add(c.email.toLowerCase());
    await waitUntil(async () => (await statusOf(storm.id)).status === "paused", { what: "the breaker to pause it", timeoutMs: 120_000 });
    const view = await statusOf(storm.id);
    expect(view.pausedReason).toMatch(/^Paused itself: \d+ of the last 20 emails failed \(the last: The mail server rejected the message\.\)/);
    expect(view.counts.failed).toBeLessThan(60);
    h.smtp.rejectAddresses.clear();
  });
});
