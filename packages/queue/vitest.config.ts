import { defineConfig } from "vitest/config";

// Real Redis (and a Redis Cluster of the tests' own); run files one at a time and allow slow machines.
export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false },
});
