// Signing in the way a person does: ask for a link on the sign-in page, open
// it from the dev inbox (a confirmation page: opening it uses nothing up, as a
// mail scanner's GET mustn't), press "Sign in as …". Each test uses its own
// address (a new account).
import { expect, type Page } from "@playwright/test";
import { inbox, linkIn, waitForEmail } from "./inbox";

let counter = 0;
export const uniqueEmail = (label: string) => `${label}-${Date.now().toString(36)}-${counter++}@example.com`;

export async function signIn(page: Page, email: string, next = "/") {
  // Only a link sent for this sign-in will do: an earlier one (a shared address like the admin's) was used up.
  const earlier = new Set((await inbox()).map((e) => e.id));
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
  const mail = await waitForEmail(email, { match: (e) => !earlier.has(e.id) && e.subject === "Your Backline sign-in link" });
  await page.goto(linkIn(mail, /\/sign-in\/confirm\?/));
  await page.getByRole("button", { name: `Sign in as ${email.toLowerCase()}` }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`));
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText(email);
}
