// The committed migrations, applied through packages/db/tools/prisma.ts with the wasm
// stand-in engine forced, against a scratch database on the real Postgres.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseEngine, repoRoot, standInEngine } from "../tools/prisma.ts";

const wrapper = path.join(repoRoot, "packages/db/tools/prisma.ts");
const migrationsDir = path.join(repoRoot, "prisma/migrations");
const baseUrl = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/backline");
const scratchName = `backline_migtest_${process.pid}_${randomBytes(4).toString("hex")}`;
const scratchUrl = Object.assign(new URL(baseUrl.href), { pathname: `/${scratchName}` }).href;
const adminUrl = Object.assign(new URL(baseUrl.href), { pathname: "/postgres" }).href;

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs the wrapper exactly as the npm scripts do (a separate process), forced to the wasm engine. */
function prisma(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", wrapper, ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: scratchUrl, BACKLINE_PRISMA_ENGINE: "wasm", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let migrationNames: string[] = [];

beforeAll(async () => {
  migrationNames = (await readdir(migrationsDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  await withAdmin((c) => c.query(`CREATE DATABASE "${scratchName}"`));
});

afterAll(async () => {
  // FORCE: a failed run may leave the CLI's connections behind.
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${scratchName}" WITH (FORCE)`));
});

describe("prisma migrations through the wasm stand-in engine", () => {
  it("migrate deploy applies every committed migration", async () => {
    expect(migrationNames.length).toBeGreaterThan(0);
    const run = await prisma("migrate", "deploy");
    expect(run.stderr).toContain("using wasm schema engine (forced by BACKLINE_PRISMA_ENGINE=wasm)");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const name of migrationNames) expect(run.stdout).toContain(name);

    const client = new pg.Client({ connectionString: scratchUrl });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
      );
      expect(tables.rows.map((r) => r.table_name).sort()).toEqual(
        [
          "_prisma_migrations",
          "accounts",
          "audit_log",
          "api_tokens",
          "campaign_recipients",
          "campaigns",
          "customers",
          "deliveries",
          "download_links",
          "downloads",
          "email_opt_outs",
          "invitations",
          "notifications",
          "orders",
          "products",
          "regions",
          "report_events",
          "reports",
          "schedule_runs",
          "schedules",
          "seed_info",
          "sessions",
          "sign_in_emails",
          "users",
          "verifications",
          "webhook_attempts",
          "webhook_endpoints",
          "webhook_messages",
        ].sort(),
      );
      const applied = await client.query<{ migration_name: string }>(
        "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name",
      );
      expect(applied.rows.map((r) => r.migration_name)).toEqual(migrationNames);
      const columns = await client.query<{ column_name: string; data_type: string }>(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'reports'",
      );
      expect(columns.rows).toContainEqual({ column_name: "owner_email", data_type: "text" });
      expect(columns.rows).toContainEqual({ column_name: "user_id", data_type: "uuid" });
      expect(columns.rows).toContainEqual({ column_name: "status", data_type: "USER-DEFINED" });
    } finally {
      await client.end();
    }
  });

  it("migrate status reports the database as up to date", async () => {
    const run = await prisma("migrate", "status");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("Database schema is up to date!");
  });

  it("the migration history matches schema.prisma (no drift)", async () => {
    const run = await prisma("migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema", "prisma/schema.prisma", "--exit-code");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("No difference detected");
  });

  it("the drift check does fail when the schema gains a column", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "backline-drift-"));
    try {
      const schema = await readFile(path.join(repoRoot, "prisma/schema.prisma"), "utf8");
      const drifted = schema.replace(/^model Region \{$/m, "model Region {\n  driftCheck Int?");
      expect(drifted).not.toBe(schema);
      await writeFile(path.join(dir, "schema.prisma"), drifted);
      const run = await prisma("migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema", path.join(dir, "schema.prisma"), "--exit-code");
      expect(run.code, run.stdout + run.stderr).toBe(2);
      expect(run.stdout).toContain("driftCheck");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("engine selection", () => {
  it("honours BACKLINE_PRISMA_ENGINE and PRISMA_SCHEMA_ENGINE_BINARY without probing", async () => {
    expect(await chooseEngine(["migrate", "deploy"], { BACKLINE_PRISMA_ENGINE: "wasm", PRISMA_SCHEMA_ENGINE_BINARY: "/x" })).toMatchObject({ engine: "wasm" });
    expect(await chooseEngine(["migrate", "deploy"], { BACKLINE_PRISMA_ENGINE: "native" })).toMatchObject({ engine: "native" });
    expect(await chooseEngine(["migrate", "deploy"], { PRISMA_SCHEMA_ENGINE_BINARY: standInEngine })).toMatchObject({ engine: "custom" });
    expect(await chooseEngine(["studio"], {})).toMatchObject({ engine: "untouched" });
    await expect(chooseEngine(["migrate"], { BACKLINE_PRISMA_ENGINE: "rust" })).rejects.toThrow(/native, wasm or auto/);
  });

  it("gives reports made before accounts existed an owner: one user per address, case-insensitively", async () => {
    const name = `${scratchName}_backfill`;
    await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
    const client = new pg.Client({ connectionString: Object.assign(new URL(baseUrl.href), { pathname: `/${name}` }).href });
    await client.connect();
    try {
      const accounts = migrationNames.findIndex((n) => n.endsWith("_accounts_and_download_links"));
      const apply = async (n: string) => client.query(await readFile(path.join(migrationsDir, n, "migration.sql"), "utf8"));
      for (const n of migrationNames.slice(0, accounts)) await apply(n);
      await client.query(`INSERT INTO reports (id, type, params, owner_email, updated_at) VALUES
        ('018f0000-0000-7000-8000-000000000001', 'sales-summary', '{}', 'Ana@Example.com', now()),
        ('018f0000-0000-7000-8000-000000000002', 'sales-summary', '{}', 'ana@example.com', now()),
        ('018f0000-0000-7000-8000-000000000003', 'sales-summary', '{}', 'ben@example.com', now())`);
      await apply(migrationNames[accounts]!);
      const owners = await client.query<{ id: string; email: string }>(
        "SELECT r.id::text, u.email FROM reports r JOIN users u ON u.id = r.user_id ORDER BY r.id",
      );
      expect(owners.rows.map((r) => r.email)).toEqual(["ana@example.com", "ana@example.com", "ben@example.com"]);
      expect((await client.query("SELECT count(*)::int AS n FROM users")).rows[0].n).toBe(2);
    } finally {
      await client.end();
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    }
  });
});
