import { redactUrl } from "@backline/config";
import { readdirSync } from "node:fs";
import pg from "pg";
import type { PrismaClient } from "./generated/prisma/client.ts";

/**
 * Start-up check: can we reach Postgres at this URL? Resolves to null when
 * reachable, or to one line naming the setting and what went wrong.
 */
export async function checkDatabase(url: string, timeoutMs = 3000): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (err) {
    return `Cannot reach PostgreSQL at DATABASE_URL=${redactUrl(url)}: ${(err as Error).message || String(err)}`;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Migrations in `migrationsDir` (prisma/migrations) that the database has not
 * applied: a process built from newer code than its database's schema.
 */
export async function unappliedMigrations(db: { $queryRaw: PrismaClient["$queryRaw"] }, migrationsDir: string): Promise<string[]> {
  const known = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  const applied = await db.$queryRaw<{ name: string }[]>`
    select migration_name as name from _prisma_migrations where finished_at is not null and rolled_back_at is null`;
  const done = new Set(applied.map((r) => r.name));
  return known.filter((name) => !done.has(name)).sort();
}
