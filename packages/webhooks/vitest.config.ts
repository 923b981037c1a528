import { defineConfig } from "vitest/config";

// Real Postgres and Redis, each file in its own scratch database and queue
// prefix; run files one at a time and allow slow machines.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false },
});
