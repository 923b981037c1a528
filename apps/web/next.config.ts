import path from "node:path";
import type { NextConfig } from "next";

const config: NextConfig = {
  // Workspace packages ship TypeScript source.
  transpilePackages: [
    "@backline/config",
    "@backline/db",
    "@backline/queue",
    "@backline/reports",
    "@backline/mail",
    "@backline/report-service",
    "@backline/sign-in-outbox",
    "@backline/schedules",
    "@backline/campaigns",
    "@backline/storage",
  ],
  // Loaded from node_modules at run time rather than bundled.
  serverExternalPackages: [
    "bullmq",
    "ioredis",
    "pg",
    "@prisma/client",
    "@prisma/adapter-pg",
    "pdfkit",
    "prom-client",
    "@bull-board/api",
    "@bull-board/hono",
    "hono",
    // Loaded only for an s3:// STORAGE_URL (packages/storage).
    "@aws-sdk/client-s3",
    "@aws-sdk/lib-storage",
  ],
  // Bull Board reads its page and static files from @bull-board/ui by path, which the build's tracing can't see.
  outputFileTracingIncludes: { "/admin/queues/**": ["../../node_modules/@bull-board/ui/package.json", "../../node_modules/@bull-board/ui/dist/**/*"] },
  poweredByHeader: false,
  // A self-contained server folder (.next/standalone) for the container image (apps/web/Dockerfile).
  output: "standalone",
  // On every response, static files included (the CSP itself is set per request in proxy.ts).
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          // "no-referrer" would make browsers send `Origin: null` on our own form posts (Fetch spec), failing the CSRF check.
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
        ],
      },
    ];
  },
  turbopack: { root: path.resolve(import.meta.dirname, "../..") },
};

export default config;
