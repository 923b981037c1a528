// A throwaway database per test run: created, migrated with the real Prisma
// migrations, dropped afterwards. Refuses anything but a local server.
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import pg from "pg";
import { repoRoot } from "./app-stack.ts";

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export async function createScratchDatabase(baseUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres"): Promise<ScratchDatabase> {
  const admin = new URL(baseUrl);
  if (!LOCAL_HOSTS.has(admin.hostname)) throw new Error(`Refusing to create test databases on non-local host ${admin.hostname}`);
  const name = `backline_test_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  admin.pathname = "/postgres";
  await withClient(admin.toString(), (c) => c.query(`CREATE DATABASE ${name}`));

  const url = new URL(admin);
  url.pathname = `/${name}`;
  const migrate = spawnSync(process.execPath, ["--import", "tsx", "packages/db/tools/prisma.ts", "migrate", "deploy"], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: url.toString(), CHECKPOINT_DISABLE: "1" },
    encoding: "utf8",
    timeout: 120_000,
  });
  if (migrate.status !== 0) throw new Error(`migrate deploy failed:\n${migrate.stdout}\n${migrate.stderr}`);

  return {
    name,
    url: url.toString(),
    drop: () => withClient(admin.toString(), (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
