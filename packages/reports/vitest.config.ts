import { defineConfig } from "vitest/config";

// The figures test seeds its own scratch database on the machine's Postgres;
// run files one at a time and allow slow machines.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 60_000, fileParallelism: false },
});
