import { defineConfig } from "vitest/config";

// Integration tests run the Prisma CLI against the machine's Postgres (each in its own
// scratch database); run files one at a time and allow slow machines.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 60_000, fileParallelism: false },
});
