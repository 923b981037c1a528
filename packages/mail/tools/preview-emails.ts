// Renders every email type to HTML and screenshots it in Chromium at desktop
// and phone width, light and dark, for looking at (not checked in):
//   npx tsx tools/preview-emails.ts [/tmp/backline-email-previews]
// Chromium: /usr/bin/chromium or CHROMIUM_PATH (node scripts/ensure-test-tools.mjs installs it).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";
import { sampleEmails } from "../test/samples.ts";

const dir = process.argv[2] ?? "/tmp/backline-email-previews";
await mkdir(dir, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  for (const [name, mail] of Object.entries(sampleEmails())) {
    const htmlPath = path.join(dir, `${name}.html`);
    await writeFile(htmlPath, String(mail.html));
    await writeFile(path.join(dir, `${name}.txt`), String(mail.text));
    for (const [label, viewport] of [
      ["desktop", { width: 1024, height: 900 }],
      ["phone", { width: 390, height: 844 }],
    ] as const) {
      for (const colorScheme of ["light", "dark"] as const) {
        const page = await browser.newPage({ viewport, colorScheme, deviceScaleFactor: 1 });
        await page.goto(`file://${htmlPath}`);
        const file = path.join(dir, `${name}-${label}-${colorScheme}.png`);
        await page.screenshot({ path: file, fullPage: true });
        await page.close();
        console.log(file);
      }
    }
  }
} finally {
  await browser.close();
}
