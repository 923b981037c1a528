// The report service as this web process uses it: one fail-fast producer
// queue and publisher, one subscriber shared by every open status page.
import "server-only";
import { createRedis } from "@backline/queue";
import { ReportUpdateHub, createReportService, type ReportService } from "@backline/report-service";
import type { Redis } from "ioredis";
import { db } from "./db";
import { webEnv } from "./env";
import { asOutage, pgPool } from "./pg";
import { reportsQueue } from "./queue";

const globalForReports = globalThis as unknown as { backlinePublisher?: Redis; backlineHub?: ReportUpdateHub; backlineReports?: ReportService };

export function publisher(): Redis {
  return (globalForReports.backlinePublisher ??= createRedis(webEnv().REDIS_URL, "producer").on("error", () => {}));
}

/** Every command and read of reports this process makes goes through this one object. */
export function reportService(): ReportService {
  return (globalForReports.backlineReports ??= createReportService({
    db: db(),
    // A new report is written with plain pg (the request path's one statement), the rest with Prisma.
    sql: {
      query: (config) =>
        pgPool()
          .query(config)
          .catch((err: unknown) => Promise.reject(asOutage(err))),
    },
    queue: reportsQueue(),
    redis: publisher(),
    prefix: webEnv().QUEUE_PREFIX,
  }));
}

/** Subscriptions must survive Redis blips, so this connection waits and reconnects (it serves no request directly). */
export function updateHub(): ReportUpdateHub {
  return (globalForReports.backlineHub ??= new ReportUpdateHub(
    createRedis(webEnv().REDIS_URL, "subscriber").on("error", () => {}),
    webEnv().QUEUE_PREFIX,
  ));
}
