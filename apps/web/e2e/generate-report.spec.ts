// A person generates a report in Chromium, watches it reach Sent, and finds
// the PDF in the dev inbox with the right totals.
import AxeBuilder from "@axe-core/playwright";
import { pdfText } from "@backline/test-kit";
import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { downloadAttachment, waitForEmail } from "./inbox";

async function expectNoSeriousA11yViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
}

const dollars = (cents: bigint) => `$${(cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${(cents % 100n).toString().padStart(2, "0")}`;

test("generate a sales summary and receive it by email", async ({ page }) => {
  const email = `e2e-${Date.now()}@example.com`;
  await page.goto("/");
  await expect(page).toHaveTitle(/New report · Backline/);
  await expectNoSeriousA11yViolations(page);

  await page.getByRole("radio", { name: /Sales summary/ }).check();
  const from = await page.getByLabel("From", { exact: true }).inputValue();
  const to = await page.getByLabel("To", { exact: true }).inputValue();
  await expect(page.getByLabel("Region", { exact: true })).toHaveValue(""); // all regions
  await page.getByLabel("Email the PDF to").fill(email);
  await page.getByRole("button", { name: "Generate report" }).click();

  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}$/);
  const reportId = page.url().split("/").pop()!;
  const badge = page.getByTestId("report-status");
  await expect(badge).toHaveText(/Queued|Generating|Emailing|Sent/);
  await expect(badge).toHaveText("Sent", { timeout: 90_000 }); // no reload: the page updates itself
  await expect(page.getByRole("link", { name: "Download PDF" })).toBeVisible();
  await expectNoSeriousA11yViolations(page);

  const mail = await waitForEmail(email);
  expect(mail.headers["x-report-id"]).toBe(reportId);
  const pdf = await downloadAttachment(mail);
  expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");

  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  const { rows } = await db.query<{ revenue: string }>(
    "select coalesce(sum(total_cents), 0)::text as revenue from orders where ordered_at >= $1::date and ordered_at < $2::date + 1",
    [from, to],
  );
  await db.end();
  const { text } = await pdfText(pdf);
  expect(text).toContain("Sales summary");
  expect(text).toContain(dollars(BigInt(rows[0]!.revenue)));

  // The Download link serves the same PDF.
  const download = await page.request.get(`/reports/${reportId}/download`);
  expect(download.headers()["content-type"]).toBe("application/pdf");
  expect(Buffer.compare(await download.body(), pdf)).toBe(0);
});

test("a bad email is explained next to its field and nothing is submitted", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("Email the PDF to").fill("not-an-email");
  await page.getByRole("button", { name: "Generate report" }).click();
  const field = page.getByLabel("Email the PDF to");
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("alert").filter({ hasText: "Invalid report request" })).toContainText("Email: Enter a valid email address");
  await expect(page).toHaveURL(/\/$/);
});

test("the form works on a phone-sized screen without sideways scrolling", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Generate report" })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test("an unknown report id shows a not-found page", async ({ page }) => {
  const response = await page.goto("/reports/018f0000-0000-7000-8000-000000000000");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});

test("a double click on Generate report makes one report", async ({ page, request }) => {
  const email = `double-${Date.now()}@example.com`;
  await page.goto("/");
  await page.getByLabel("Email the PDF to").fill(email);
  await page.getByRole("button", { name: "Generate report" }).dblclick();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}$/);
  const list = await (await request.get(`/api/reports?email=${encodeURIComponent(email)}`)).json();
  expect(list.items).toHaveLength(1);
  expect(list.items[0].id).toBe(page.url().split("/").pop());
});
