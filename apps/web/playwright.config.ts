import { defineConfig } from "@playwright/test";
import { e2eStack } from "./e2e/stack";

// Debian's Chromium, never a downloaded one (no network here).
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: process.env.CI ? "list" : [["list"]],
  globalSetup: "./e2e/global-setup.ts",
  use: {
    baseURL: e2eStack.appUrl,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
});
