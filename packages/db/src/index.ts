// The Prisma client. Server code only: the web app reaches it through a module
// marked `server-only`, so a client component importing it fails the build.
// One instance per process (and per DATABASE_URL); Next's dev server
// re-evaluates modules, so the instance lives on globalThis.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export * from "./generated/prisma/client.ts";
export { checkDatabase, unappliedMigrations } from "./health.ts";

export function createPrismaClient(connectionString: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
}

const globalForPrisma = globalThis as unknown as { backlinePrisma?: Map<string, PrismaClient> };

/** The process-wide client for a database URL. */
export function getPrisma(connectionString: string): PrismaClient {
  const clients = (globalForPrisma.backlinePrisma ??= new Map());
  let client = clients.get(connectionString);
  if (!client) {
    client = createPrismaClient(connectionString);
    clients.set(connectionString, client);
  }
  return client;
}
export {
  seedDemoData,
  demoDataWindow,
  REGIONS,
  DEMO_DATA_VERSION,
  INTERNATIONAL_CUSTOMERS,
  INTERNATIONAL_PRODUCT_LINES,
  type DemoDataOptions,
} from "./demo-data.ts";
export {
  RETRY_RESET,
  createReport,
  createReportWithinCap,
  createScheduledReport,
  ensureUser,
  noteReportEvent,
  recordProgress,
  transitionReport,
  type NewReport,
  type ReportChange,
  type SqlRunner,
  type TransitionOptions,
} from "./report-lifecycle.ts";
export { ALLOWED_TRANSITIONS, IN_FLIGHT, REPORT_STATUSES, canCancel, canRetry, canTransition, isDownloadable, isFinal } from "./report-status.ts";
export { formatLocalTime, localTimeParam } from "./local-time.ts";
export { AUDIT_ACTIONS, RECONCILER_ACTOR, recordAudit, type AuditInput } from "./audit-log.ts";
export { DELIVERY_LEASE_MS, claimDelivery, markDeliverySent, releaseDelivery, type DeliveryClaim } from "./deliveries.ts";
