import { defineConfig } from "vitest/config";

// A real S3-protocol server (s3rver) and temp folders; files one at a time, slow machines allowed.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false },
});
