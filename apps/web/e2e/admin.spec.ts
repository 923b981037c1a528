// The admin console over real HTTP, through proxy.ts, against the production
// build: an admin finds a failed report by its owner's address, retries it with
// the keyboard and sees it in the audit log; every console page passes axe and
// fits a phone; Bull Board renders from this site only within its own CSP; to
// anyone else the console is a 404.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { signIn, uniqueEmail } from "./session";
import { ADMIN_EMAIL, e2eStack } from "./stack";

async function expectNoSeriousA11yViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
}

/** A report that failed a minute ago, of a new owner's (written as a worker would leave it). */
async function failedReport(reason: string): Promise<{ id: string; owner: string }> {
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    const owner = uniqueEmail("failing");
    const user = await db.query<{ id: string }>(
      "insert into users (id, email, email_verified, created_at, updated_at) values (gen_random_uuid(), $1, true, now(), now()) returning id",
      [owner],
    );
    const report = await db.query<{ id: string }>(
      `insert into reports (id, type, params, user_id, owner_email, status, failure_reason, attempts, created_at, updated_at, started_at, finished_at)
       values (gen_random_uuid(), 'sales-summary', '{"from": "2024-01-01", "to": "2024-01-31", "groupBy": "day"}', $1, $2, 'failed', $3, 1,
               now() - interval '2 minutes', now() - interval '1 minute', now() - interval '2 minutes', now() - interval '1 minute') returning id`,
      [user.rows[0]!.id, owner, reason],
    );
    return { id: report.rows[0]!.id, owner };
  } finally {
    await db.end();
  }
}

test("an admin finds a failed report, retries it by keyboard, and sees it in the audit log; every console page passes axe", async ({ page }, info) => {
  const { id, owner } = await failedReport("Mail server unreachable (e2e)");
  await signIn(page, ADMIN_EMAIL, "/admin");
  await expect(page.getByRole("heading", { name: "Admin console", level: 1 })).toBeVisible();
  await expectNoSeriousA11yViolations(page);

  const box = page.getByLabel("Report id, campaign id, schedule id or email address");
  await box.fill(owner.toUpperCase());
  await box.press("Enter");
  await expect(page).toHaveURL(/\/admin\?q=/);
  const checkbox = page.getByRole("checkbox", { name: new RegExp(`\\(${id}\\)`) });
  await checkbox.focus();
  await page.keyboard.press("Space");
  await expect(checkbox).toBeChecked();
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: info.outputPath("admin-search.png"), fullPage: true });
  await page.getByRole("button", { name: "Retry selected (1)" }).click();
  await expect(page.getByRole("status").filter({ hasText: "retried" })).toContainText("1 of 1 retried");
  await expect(page.getByRole("status").filter({ hasText: "retried" })).toContainText("done, now Queued");

  await page.getByRole("navigation", { name: "Admin console" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  const row = page.getByRole("row").filter({ hasText: id });
  await expect(row).toContainText("report.retry");
  await expect(row).toContainText(ADMIN_EMAIL);
  await expect(row).toContainText("Done");
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: info.outputPath("admin-audit.png"), fullPage: true });

  await failedReport("Report data missing (e2e)");
  await page.goto("/admin/failures?window=1h");
  await expect(page.getByRole("heading", { name: "Report data missing (e2e)" })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: info.outputPath("admin-failures.png"), fullPage: true });

  await page.goto("/admin/stuck");
  await expect(page.getByRole("heading", { name: /^No live job/ })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: info.outputPath("admin-stuck.png"), fullPage: true });
});

test("the console fits a phone: nothing wider than the screen", async ({ page }, info) => {
  await failedReport("Too wide? (e2e)");
  await page.setViewportSize({ width: 375, height: 812 });
  await signIn(page, ADMIN_EMAIL, "/admin/failures?window=1h");
  for (const path of ["/admin/failures?window=1h", "/admin", "/admin/stuck", "/admin/audit"]) {
    await page.goto(path);
    await expect(page.getByRole("navigation", { name: "Admin console" })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(375);
  }
  await page.goto("/admin/failures?window=1h");
  await page.screenshot({ path: info.outputPath("admin-failures-phone.png"), fullPage: true });
});

test("Bull Board shows every queue from this site only, within its own CSP", async ({ page }, info) => {
  const violations: string[] = [];
  page.on("console", (m) => void (/Content Security Policy|Refused to/.test(m.text()) && violations.push(m.text())));
  const outside: string[] = [];
  page.on("request", (r) => void (!r.url().startsWith(e2eStack.appUrl) && !r.url().startsWith("data:") && outside.push(r.url())));
  await signIn(page, ADMIN_EMAIL, "/");
  const response = await page.goto("/admin/queues");
  expect(response?.status()).toBe(200);
  expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self';.*frame-ancestors 'none'/);
  for (const name of ["reports", "sign-in-emails", "webhooks"]) await expect(page.getByText(name, { exact: true }).first()).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: info.outputPath("admin-queues.png"), fullPage: true });
  expect(violations).toEqual([]);
  expect(outside).toEqual([]);
  // Read-only: an action is refused (Origin as the browser would send it).
  const retry = await page.request.put("/admin/queues/api/queues/reports/retry/failed", { headers: { origin: e2eStack.appUrl } });
  expect(retry.status()).toBe(405);
});

test("to anyone but an admin the console is not there", async ({ page, request }) => {
  for (const path of ["/admin", "/admin/failures", "/admin/queues", "/admin/queues/api/queues"]) {
    expect((await request.get(path, { maxRedirects: 0 })).status(), path).toBe(404);
  }
  await signIn(page, uniqueEmail("nosy"));
  for (const path of ["/admin", "/admin/stuck", "/admin/audit", "/admin/queues"]) expect((await page.goto(path))?.status(), path).toBe(404);
  expect((await page.request.get("/api/admin/search?q=x")).status()).toBe(404);
});
