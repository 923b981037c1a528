// A campaign through an SMTP outage, on real services: a send the server
// surely didn't take (connection refused) puts its recipient back to pending —
// not into the ambiguous window, which is for sends that may have gone out —
// so nobody is failed, no resend is counted, and each recipient gets exactly
// one email once the server is back.
import { campaignService, type CampaignService } from "@backline/campaigns";
import { ensureUser } from "@backline/db";
import { waitUntil } from "@backline/test-kit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness.ts";

let h: Harness;
let campaigns: CampaignService;
const admin = { userId: "", email: "admin@example.com", admin: true };

beforeAll(async () => {
  h = await createHarness({ customers: 300, orders: 3000, smtp: { keep: "headers" } });
  campaigns = campaignService(h.db);
  admin.userId = (await ensureUser(h.db, admin.email)).id;
});
afterAll(() => h?.close());

it("an SMTP outage puts the recipients it refused back to wait: none failed, none counted as a resend, each sent once when it is back", {
  timeout: 300_000,
}, async () => {
  const { prefix } = h.stack("campaign-outage");
  h.spawnWorker(prefix, {
    MAIL_MAX_PER_SECOND: "60",
    SIGN_IN_MAIL_MAX_PER_SECOND: "5",
    CAMPAIGN_MAIL_MAX_PER_SECOND: "20",
    CAMPAIGN_CONCURRENCY: "2",
    CAMPAIGN_BATCH_SIZE: "10",
    CAMPAIGN_LEASE_MS: "5000",
  });
  const created = await campaigns.create(
    { type: "customer-statement", params: { month: "2026-10" }, audience: { kind: "customers", ids: Array.from({ length: 200 }, (_, i) => i + 1) } },
    admin,
  );
  if (!created.ok) throw new Error(JSON.stringify(created));
  const id = created.campaign.id;
  const view = async () => (await campaigns.get(id, admin))!;
  await waitUntil(async () => (await view()).counts.sent >= 5, { what: "5 sent", timeoutMs: 120_000 });

  await h.smtp.setMode("down");
  try {
    // Until a send was refused and its recipient put back to wait.
    await waitUntil(async () => (await h.db.campaignRecipient.count({ where: { campaignId: id, status: "pending", notBefore: { not: null } } })) > 0, {
      what: "a refused send to be put back",
      timeoutMs: 60_000,
    });
  } finally {
    await h.smtp.setMode("up");
  }
  await waitUntil(async () => (await view()).status === "completed", { what: "the campaign to complete", timeoutMs: 180_000 });

  const rows = await h.db.campaignRecipient.findMany({ where: { campaignId: id }, select: { id: true, status: true, claims: true, resends: true } });
  expect(rows.filter((r) => r.status !== "sent")).toEqual([]);
  expect(rows.filter((r) => r.claims > 1).length).toBeGreaterThan(0); // the outage did put some back
  expect(rows.filter((r) => r.resends > 0)).toEqual([]); // a refused send is no ambiguous one
  const copies = new Map<string, number>();
  for (const m of h.smtp.accepted) {
    if (m.xHeaders["x-campaign-id"] !== id) continue;
    const r = m.xHeaders["x-campaign-recipient"]!;
    copies.set(r, (copies.get(r) ?? 0) + 1);
  }
  expect(copies.size).toBe(200);
  expect([...copies.values()].every((n) => n === 1)).toBe(true);
});
