// A campaign over real HTTP against the production build and a real worker: an
// admin picks three customers on the form, previews (the first one's statement
// comes to the admin, not the customer), starts it and watches the live page
// reach Completed; each customer gets exactly one email, their own statement with
// a one-click opt-out; the pages pass axe and fit a phone; to anyone else the
// campaign pages are a 404.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { inbox, sentHeader, waitForEmail } from "./inbox";
import { signIn, uniqueEmail } from "./session";
import { ADMIN_EMAIL } from "./stack";

async function expectNoSeriousA11yViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
}

/** Three customers of the seeded dataset, by id, with their addresses as stored. */
async function someCustomers(): Promise<{ id: number; email: string }[]> {
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    return (await db.query<{ id: number; email: string }>("select id, lower(email) as email from customers order by id desc limit 3")).rows;
  } finally {
    await db.end();
  }
}

test("an admin previews a campaign, starts it and watches it complete; each customer gets one statement", async ({ page }, info) => {
  const customers = await someCustomers();
  const before = new Set((await inbox()).map((e) => e.id));
  await signIn(page, ADMIN_EMAIL, "/campaigns");
  await expect(page.getByRole("heading", { name: "Campaigns", level: 1 })).toBeVisible();
  await expectNoSeriousA11yViolations(page);

  await page.goto("/campaigns/new");
  await expect(page.getByRole("heading", { name: "New campaign", level: 1 })).toBeVisible();
  await page.getByRole("radio", { name: "A list of customer ids" }).check();
  await page.getByRole("textbox", { name: "Customer ids" }).fill(customers.map((c) => c.id).join(", "));
  await expectNoSeriousA11yViolations(page);

  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByRole("status").filter({ hasText: "recipients" })).toContainText("3 recipients");
  const preview = await waitForEmail(ADMIN_EMAIL, { match: (e) => !before.has(e.id) && /statement/i.test(e.subject) });
  expect(preview.attachments?.some((a) => a.contentType === "application/pdf")).toBe(true);
  // Nobody but the admin has anything yet.
  expect((await inbox()).filter((e) => !before.has(e.id) && e.to.some((t) => customers.some((c) => c.email === t.address)))).toEqual([]);
  await page.screenshot({ path: info.outputPath("campaign-form.png"), fullPage: true });

  await page.getByRole("button", { name: "Start campaign" }).click();
  await expect(page).toHaveURL(/\/campaigns\/[0-9a-f-]{36}$/);
  const status = page.getByRole("status").filter({ hasText: "done" });
  await expect(status).toContainText("3 of 3 done (100%)", { timeout: 90_000 });
  await expect(page.getByText("Completed", { exact: true }).first()).toBeVisible();
  await expect(page.getByRole("progressbar", { name: "Recipients done" })).toHaveAttribute("aria-valuenow", "100");
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: info.outputPath("campaign-live.png"), fullPage: true });

  const campaignId = page.url().split("/").at(-1)!;
  for (const customer of customers) {
    const mail = await waitForEmail(customer.email, { match: (e) => e.headers["x-campaign-id"] === campaignId });
    expect(mail.attachments?.some((a) => a.contentType === "application/pdf")).toBe(true);
    expect(await sentHeader(mail, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    expect(await sentHeader(mail, "List-Unsubscribe")).toMatch(/^<https?:\/\/[^>]+\/opt-out\//);
  }
  const sent = (await inbox()).filter((e) => e.headers["x-campaign-id"] === campaignId);
  expect(sent.map((e) => e.to[0]!.address).sort()).toEqual(customers.map((c) => c.email).sort()); // one each

  await page.setViewportSize({ width: 375, height: 812 });
  for (const path of [`/campaigns/${campaignId}`, "/campaigns", "/campaigns/new"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(375);
  }
  await page.goto(`/campaigns/${campaignId}`);
  await page.screenshot({ path: info.outputPath("campaign-phone.png"), fullPage: true });

  // Not an admin: the campaign pages don't exist.
  await page.context().clearCookies();
  await signIn(page, uniqueEmail("not-admin"));
  for (const path of ["/campaigns", `/campaigns/${campaignId}`]) {
    expect((await page.goto(path))?.status(), path).toBe(404);
  }
});
