// What keeps this web process from serving requests properly (GET /api/ready):
// Postgres or Redis unreachable, or migrations the database has not applied.
import "server-only";
import { existsSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "@backline/config";
import { unappliedMigrations } from "@backline/db";
import { asCluster, redisAnswers } from "@backline/queue";
import { db } from "./db";
import { publisher } from "./reports";
import { storage } from "./storage";

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), ms).unref())]);

/** The publisher fails fast while it is connecting (no offline queue): a first check waits for it to connect. PING, or on a cluster its state. */
async function pingWhenConnected(): Promise<void> {
  const redis = publisher();
  if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
  await redisAnswers(redis);
}

/** [] when ready; otherwise one line per problem, naming the setting to check. */
export async function notReady(): Promise<string[]> {
  // In a container the migrations sit beside the app (Dockerfile); in the repository, at its root.
  const dir = [path.join(process.cwd(), "prisma/migrations"), path.join(repoRoot(), "prisma/migrations")].find((d) => existsSync(d));
  const [database, redis] = await Promise.all([
    within(dir ? unappliedMigrations(db(), dir) : db().$queryRaw`select 1`.then(() => []), 3000).then(
      (pending) => (pending.length ? `The database lacks ${pending.length} migration(s), e.g. ${pending[0]}: run npm run db:migrate` : null),
      () => "PostgreSQL is unreachable (DATABASE_URL)",
    ),
    within(pingWhenConnected(), 3000).then(
      () => null,
      () => (asCluster(publisher()) ? "the Redis Cluster is unreachable or not ok (REDIS_CLUSTER_NODES)" : "Redis is unreachable (REDIS_URL)"),
    ),
  ]);
  // Where PDFs are kept (a folder, or a bucket: STORAGE_URL): a download needs it.
  const stored = await within(
    storage().then((s) => s.problem()),
    4000,
  ).catch(() => "The PDF storage did not answer in time (STORAGE_URL)");
  return [database, redis, stored].filter((p): p is string => p !== null);
}
