import { defineConfig } from "vitest/config";

// SpamAssassin loads its rule set per message (a few seconds each on a slow machine).
export default defineConfig({
  test: { testTimeout: 60_000 },
});
