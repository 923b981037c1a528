import { defineConfig } from "vitest/config";

// Integration tests share one machine's Postgres and Redis (each run in its own
// database and queue prefix); run files one at a time and allow slow machines.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false },
});
