// Watching a report: the progress bar moves without a reload, the timeline
// lists the stages, Cancel works from the page, and "My reports" lists it.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { inbox, reportEmail } from "./inbox";
import { signIn, uniqueEmail } from "./session";
import { e2eStack } from "./stack";

async function longReportParams(page: Page) {
  // The whole demo dataset by day: the longest sales summary (about 100 pages).
  const to = await page.getByLabel("To", { exact: true }).inputValue();
  const end = new Date(`${to}T00:00:00Z`);
  const from = new Date(Date.UTC(end.getUTCFullYear() - 2, end.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
  return { from, to, groupBy: "day" };
}

test("the progress bar advances live and the timeline lists every stage", async ({ page }) => {
  const email = uniqueEmail("progress");
  // Record every value the progress bar shows, from the moment the status page
  // renders (client-side navigation: the script must be in place before "/").
  await page.addInitScript(() => {
    const seen: number[] = [];
    (window as unknown as { progressSeen: number[] }).progressSeen = seen;
    new MutationObserver(() => {
      const bar = document.querySelector('[role="progressbar"]');
      const value = Number(bar?.getAttribute("aria-valuenow"));
      if (bar && seen.at(-1) !== value) seen.push(value);
    }).observe(document, { subtree: true, attributes: true, childList: true, attributeFilter: ["aria-valuenow"] });
  });
  await signIn(page, email);
  const params = await longReportParams(page);
  await page.getByLabel("From", { exact: true }).fill(params.from);
  await page.getByRole("button", { name: "Generate report" }).click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}$/);
  const reportId = page.url().split("/").pop()!;
  await expect(page.getByTestId("report-status")).toHaveText("Sent", { timeout: 90_000 });

  const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
  const during = seen.filter((v) => v > 0 && v < 100);
  expect(during.length, `progress values seen: ${seen.join(", ")}`).toBeGreaterThanOrEqual(2);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));

  const timeline = page.getByTestId("timeline");
  for (const stage of ["Queued", "Generating", "Emailing", "Sent"]) await expect(timeline.getByText(stage, { exact: true }).first()).toBeVisible();
  await expect(timeline).toContainText("Rendering page");
  await expect(page.getByTestId("report-facts")).toContainText(/took \d+ s · \d+ pages/);
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
  await reportEmail(email, reportId);
});

/** Long reports ahead of ours: enough for several seconds of queue on two worker slots. */
const BUSY = 10;

test("Cancel from the status page stops the report and nothing is emailed; My reports lists it", async ({ page }) => {
  const email = uniqueEmail("cancel");
  await signIn(page, email);
  const params = await longReportParams(page);
  // Keep the workers busy so ours waits in line long enough to be cancelled.
  const busyIds: string[] = [];
  for (let i = 0; i < BUSY; i++) {
    // Scripts must name our origin, as browsers do (proxy.ts refuses state changes without it).
    const busy = await page.request.post("/api/reports", { data: { type: "sales-summary", params }, headers: { origin: e2eStack.appUrl } });
    expect(busy.status()).toBe(202);
    busyIds.push((await busy.json()).id);
  }
  await page.getByLabel("From", { exact: true }).fill(params.from);
  await page.getByRole("button", { name: "Generate report" }).click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("report-facts")).toContainText(/in line/);

  await page.getByRole("button", { name: "Cancel report" }).click();
  await expect(page.getByTestId("report-status")).toHaveText("Cancelled");
  await expect(page.getByRole("status")).toHaveText("The report was cancelled.");
  await expect(page.getByTestId("timeline")).toContainText("Cancelled on request");
  await expect(page.getByRole("button", { name: "Retry" })).toBeVisible();
  const reportUrl = page.url();

  await page.getByRole("link", { name: "My reports" }).first().click();
  // Wait for the list page: until then "Status" also names the status page's section.
  await expect(page).toHaveURL(/\/reports$/);
  await page.getByRole("combobox", { name: "Status" }).selectOption("cancelled");
  await page.getByRole("button", { name: "Show" }).click();
  const row = page.getByRole("row").filter({ hasText: "Sales summary" });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Cancelled");
  await row.getByRole("link").click();
  await expect(page).toHaveURL(reportUrl);

  // Every busy report is sent; ours never is.
  const cancelledId = reportUrl.split("/").pop()!;
  for (const id of busyIds) await reportEmail(email, id, 120_000);
  expect((await inbox()).some((m) => m.headers["x-report-id"] === cancelledId)).toBe(false);
});

test("without Server-Sent Events the page falls back to polling and still follows the report", async ({ page }) => {
  await page.route("**/api/reports/*/events", (route) => route.abort());
  await signIn(page, uniqueEmail("polling"));
  await page.getByRole("button", { name: "Generate report" }).click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}$/);
  await expect(page.getByText("Live updates unavailable; checking every few seconds.")).toBeVisible();
  await expect(page.getByTestId("report-status")).toHaveText("Sent", { timeout: 90_000 });
  await expect(page.getByTestId("timeline")).toContainText("Emailed to");
});
