// The API for programs over real HTTP, through proxy.ts, against the production
// build: a person creates a token on /settings (the secret shown once), a
// program POSTs a report with it and no Origin (202) while a cookie POST without
// Origin is refused (403), revoking it on the page makes it 401; /settings
// passes axe and fits a phone; the API reference at /api/docs renders from
// self-hosted assets without breaking its CSP.
import AxeBuilder from "@axe-core/playwright";
import { expect, request as playwrightRequest, test, type Page } from "@playwright/test";
import { signIn, uniqueEmail } from "./session";
import { e2eStack } from "./stack";

async function expectNoSeriousA11yViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
}

test("create a token on /settings, use it without Origin, revoke it", async ({ page }, info) => {
  await signIn(page, uniqueEmail("api"));
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveTitle("Settings · Backline");
  await expectNoSeriousA11yViolations(page);

  // Preferences: a German reader on A4.
  await page.getByRole("radio", { name: /A4/ }).check();
  await page.getByLabel("Language and region").fill("de-DE");
  await page.getByRole("button", { name: "Save preferences" }).click();
  await expect(page.getByRole("status")).toContainText("A4 in de-DE");

  // A token: named, the default scopes, shown once.
  await page.getByLabel("Name").fill("curl");
  await page.getByRole("button", { name: "Create token" }).click();
  const secretField = page.getByLabel("Your new token");
  await expect(secretField).toHaveValue(/^bkl_/);
  const token = await secretField.inputValue();
  await expect(page.getByRole("cell", { name: /^curl bkl_/ })).toBeVisible();
  await page.screenshot({ path: info.outputPath("settings.png"), fullPage: true });

  const program = await playwrightRequest.newContext({ baseURL: e2eStack.appUrl });
  const posted = await program.post("/api/reports", { headers: { Authorization: `Bearer ${token}` }, data: { type: "sales-summary" } });
  expect(posted.status()).toBe(202);
  expect((await program.get(`/api/reports/${(await posted.json()).id}`, { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(200);
  // The browser's cookie without our Origin: refused, as ever.
  expect((await page.request.post("/api/reports", { data: { type: "sales-summary" } })).status()).toBe(403);
  // A token in the URL: refused, naming the parameter.
  const inQuery = await program.get(`/api/reports?access_token=${token}`);
  expect(inQuery.status()).toBe(400);
  expect((await inQuery.json()).issues[0].path).toBe("query parameter access_token");

  await page.getByRole("button", { name: "Revoke curl" }).click();
  await expect(page.getByRole("cell", { name: /^curl bkl_/ })).toHaveCount(0);
  expect((await program.post("/api/reports", { headers: { Authorization: `Bearer ${token}` }, data: { type: "sales-summary" } })).status()).toBe(401);
  await program.dispose();
});

test("/settings works on a phone: nothing wider than the screen, every control reachable by keyboard", async ({ page }, info) => {
  await page.setViewportSize({ width: 375, height: 812 });
  await signIn(page, uniqueEmail("phone"), "/settings");
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await page.screenshot({ path: info.outputPath("settings-phone.png"), fullPage: true });
  // Tab from the token's name field reaches its scopes and the create button.
  await page.getByLabel("Name").focus();
  const reached: string[] = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Tab");
    reached.push(await page.evaluate(() => document.activeElement?.textContent?.trim() || (document.activeElement as HTMLInputElement | null)?.value || ""));
  }
  expect(reached).toContain("reports:write");
  expect(reached).toContain("Create token");
});

test("the API reference renders the document from this site only, within its CSP", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => void (/Content Security Policy|Refused to/.test(m.text()) && violations.push(m.text())));
  const outside: string[] = [];
  page.on("request", (r) => void (!r.url().startsWith(e2eStack.appUrl) && !r.url().startsWith("data:") && outside.push(r.url())));
  const response = await page.goto("/api/docs");
  expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-/);
  await expect(page.getByText("Request a report").first()).toBeVisible({ timeout: 60_000 });
  expect(violations).toEqual([]);
  expect(outside).toEqual([]);
  const openapi = await page.request.get("/api/openapi.json");
  expect((await openapi.json()).openapi).toBe("3.1.0");
});
