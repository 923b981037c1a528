// A person signs in with a magic link from the dev inbox, generates a report in
// Chromium, watches it reach Sent, finds the PDF in the dev inbox with the
// right totals, and downloads it through the signed link in the email.
import AxeBuilder from "@axe-core/playwright";
import { pdfText } from "@backline/test-kit";
import { expect, request as playwrightRequest, test, type Page } from "@playwright/test";
import pg from "pg";
import { downloadAttachment, linkIn, reportEmail } from "./inbox";
import { signIn, uniqueEmail } from "./session";

async function expectNoSeriousA11yViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
}

const dollars = (cents: bigint) => `$${(cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${(cents % 100n).toString().padStart(2, "0")}`;

test("sign in by magic link, generate a sales summary, receive it by email and download it", async ({ page }) => {
  const email = uniqueEmail("e2e");
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in\?next=%2F$/); // anonymous visitors land on sign-in
  await expect(page).toHaveTitle("Sign in · Backline");
  await expectNoSeriousA11yViolations(page);
  await signIn(page, email);
  await expect(page).toHaveTitle(/New report · Backline/);
  await expectNoSeriousA11yViolations(page);

  await page.getByRole("radio", { name: /Sales summary/ }).check();
  const from = await page.getByLabel("From", { exact: true }).inputValue();
  const to = await page.getByLabel("To", { exact: true }).inputValue();
  await expect(page.getByLabel("Region", { exact: true })).toHaveValue(""); // all regions
  await expect(page.getByText(`The PDF is emailed to ${email}`)).toBeVisible();
  await page.getByRole("button", { name: "Generate report" }).click();

  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}$/);
  const reportId = page.url().split("/").pop()!;
  const badge = page.getByTestId("report-status");
  await expect(badge).toHaveText(/Queued|Generating|Emailing|Sent/);
  await expect(badge).toHaveText("Sent", { timeout: 90_000 }); // no reload: the page updates itself
  await expect(page.getByRole("link", { name: "Download PDF" })).toBeVisible();
  await expectNoSeriousA11yViolations(page);

  const mail = await reportEmail(email, reportId);
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

  // The page's Download button (the session) and the email's signed link serve the same PDF.
  const download = await page.request.get(`/reports/${reportId}/download`);
  expect(download.headers()["content-type"]).toBe("application/pdf");
  expect(Buffer.compare(await download.body(), pdf)).toBe(0);
  const link = linkIn(mail, /\/download\?/);
  const anonymous = await playwrightRequest.newContext();
  const viaLink = await anonymous.get(link);
  expect(viaLink.status()).toBe(200);
  expect(viaLink.headers()["cache-control"]).toBe("no-store");
  expect(viaLink.headers()["content-disposition"]).toMatch(/^attachment; filename="sales-summary[\w.-]*\.pdf"/);
  expect(Buffer.compare(await viaLink.body(), pdf)).toBe(0);
  await anonymous.dispose();

  // Both downloads are on the record, on the status page.
  await page.reload();
  await expect(page.getByTestId("download-summary")).toContainText("downloaded 2 times");
});

test("a bad address on the sign-in page is explained next to its field and nothing is sent", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill("not-an-email");
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  const field = page.getByLabel("Email address");
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Enter a valid email address")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toHaveCount(0);
});

test("a bad parameter is explained next to its field and nothing is submitted", async ({ page }) => {
  await signIn(page, uniqueEmail("bad-param"));
  await page.getByLabel("From", { exact: true }).fill("2020-01-01");
  await page.getByRole("button", { name: "Generate report" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Invalid report parameters" })).toContainText(/at most 1,098 days/);
  await expect(page).toHaveURL(/\/$/);
});

test("the form works on a phone-sized screen without sideways scrolling", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await signIn(page, uniqueEmail("phone"));
  await expect(page.getByRole("button", { name: "Generate report" })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test("an unknown report id shows a not-found page", async ({ page }) => {
  await signIn(page, uniqueEmail("unknown"));
  const response = await page.goto("/reports/018f0000-0000-7000-8000-000000000000");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});

test("a double click on Generate report makes one report", async ({ page }) => {
  await signIn(page, uniqueEmail("double"));
  await page.getByRole("button", { name: "Generate report" }).dblclick();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}$/);
  const list = await (await page.request.get("/api/reports")).json();
  expect(list.items).toHaveLength(1);
  expect(list.items[0].id).toBe(page.url().split("/").pop());
});
