import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": import.meta.dirname,
      // Route handlers import `server-only`; under Vitest we are the server.
      "server-only": path.join(import.meta.dirname, "test/server-only.ts"),
    },
  },
  test: { include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 180_000, fileParallelism: false },
});
