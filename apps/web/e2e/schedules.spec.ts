// Scheduled reports over real HTTP against the production build and a real
// worker: a person makes a weekly schedule on its form (relative dates, a time
// zone), sees its next runs in that zone; when a run comes due (the schedule is
// moved back to last Monday's run: the clock is not waited for) the worker
// emails it with a manage link and a one-click List-Unsubscribe, and the mail
// client's unsubscribe POST
// pauses the schedule, which its page then says; its owner resumes it and sees it
// on /schedules with its next run. Every page passes axe and fits a phone.
import AxeBuilder from "@axe-core/playwright";
import { expect, request as playwrightRequest, test, type Page } from "@playwright/test";
import pg from "pg";
import { sentHeader, waitForEmail } from "./inbox";
import { signIn, uniqueEmail } from "./session";
import { e2eStack } from "./stack";

async function expectNoSeriousA11yViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
}

/**
 * The clock moved instead of waited for: as if no worker had run since this week's Monday 08:00
 * (Berlin time) was due, so that occurrence is now due, late — the default missed-run policy sends
 * the latest one once.
 */
async function makeLastMondayDue(scheduleId: string) {
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    await db.query(
      `with local as (select date_trunc('week', now() at time zone time_zone) + interval '8 hours' as monday, now() at time zone time_zone as now
                      from schedules where id = $1)
       update schedules set next_run_at = now(),
         next_occurrence = (select case when monday > local.now then monday - interval '7 days' else monday end from local)
       where id = $1`,
      [scheduleId],
    );
  } finally {
    await db.end();
  }
}

test("make a weekly schedule, receive its run with an unsubscribe link, unsubscribe in one click, resume it", async ({ page }, info) => {
  const email = uniqueEmail("schedules");
  await signIn(page, email, "/schedules");
  await expect(page.getByRole("heading", { name: "My schedules", level: 1 })).toBeVisible();
  await expectNoSeriousA11yViolations(page);

  await page.getByRole("link", { name: "New schedule" }).click();
  await expect(page.getByRole("heading", { name: "Schedule a report", level: 1 })).toBeVisible();
  await page.getByRole("radio", { name: /Sales summary/ }).check();
  await page.getByLabel("Dates").selectOption({ label: "Relative to each run: the previous week (Monday to Sunday)" });
  await page.getByLabel("Repeat").selectOption({ label: "Every week, on a day" });
  await page.getByLabel("On", { exact: true }).selectOption({ label: "Monday" });
  await page.getByLabel("At", { exact: true }).fill("08:00");
  await page.getByLabel("Time zone").fill("Europe/Berlin");
  await expect(page.getByText("0 8 * * 1")).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: info.outputPath("schedule-form.png"), fullPage: true });
  await page.getByRole("button", { name: "Create schedule" }).click();

  await expect(page).toHaveURL(/\/schedules\/[0-9a-f-]{36}$/);
  const scheduleId = page.url().split("/").at(-1)!;
  await expect(page.getByRole("heading", { name: "Active", level: 2 })).toBeVisible();
  // The next runs in the schedule's own zone: Mondays at 08:00, Berlin time.
  const upcoming = page.getByTestId("upcoming").getByRole("listitem");
  await expect(upcoming.first()).toContainText(/Mon.*08:00/);
  await expectNoSeriousA11yViolations(page);

  await makeLastMondayDue(scheduleId);
  const mail = await waitForEmail(email, { match: (e) => e.headers["x-schedule-id"] === scheduleId });
  expect(mail.attachments?.some((a) => a.contentType === "application/pdf")).toBe(true);
  expect(mail.text).toContain(`/schedules/${scheduleId}`); // the manage link
  expect(await sentHeader(mail, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
  const unsubscribeUrl = /<(https?:[^>]+)>/.exec((await sentHeader(mail, "List-Unsubscribe")) ?? "")?.[1];
  expect(unsubscribeUrl).toMatch(new RegExp(`/schedules/${scheduleId}/unsubscribe\\?`));

  await page.reload();
  const run = page.getByTestId("runs").getByRole("row").nth(1);
  await expect(run).toContainText(/Mon.*08:00/);
  await expect(run).toContainText("Sent");
  await expect(run.getByRole("link", { name: "Status page" })).toBeVisible();

  // What a mail client does for the one-click unsubscribe (RFC 8058): a POST, no session, no Origin of ours.
  const mailClient = await playwrightRequest.newContext();
  const unsubscribed = await mailClient.post(unsubscribeUrl!.replace(/^https?:\/\/[^/]+/, e2eStack.appUrl), {
    form: { "List-Unsubscribe": "One-Click" },
  });
  expect(unsubscribed.status()).toBe(200);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Paused", level: 2 })).toBeVisible();
  await expect(page.getByText("Paused from the unsubscribe link in its email")).toBeVisible();
  // Its owner resumes it, by keyboard; the next runs are back, still Mondays at 08:00 Berlin time.
  await page.getByRole("button", { name: "Resume" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Active", level: 2 })).toBeVisible();
  await expect(page.getByTestId("upcoming").getByRole("listitem")).toHaveCount(3);
  await expect(page.getByTestId("upcoming").getByRole("listitem").first()).toContainText(/Mon.*08:00/);
  await page.goto("/schedules");
  await expect(page.getByRole("link", { name: "Sales summary" })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "Europe/Berlin" })).toContainText(/Mon.*08:00/);

  // The same pages on a phone.
  await page.setViewportSize({ width: 375, height: 812 });
  for (const path of [`/schedules/${scheduleId}`, "/schedules", "/schedules/new", `/schedules/${scheduleId}/edit`]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(375);
  }
  await page.goto(`/schedules/${scheduleId}`);
  await page.screenshot({ path: info.outputPath("schedule-phone.png"), fullPage: true });
});
