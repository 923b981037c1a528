#!/usr/bin/env node
// Stand-in for Prisma's native `schema-engine` binary, for machines that cannot download it.
//
// The Prisma CLI spawns whatever PRISMA_SCHEMA_ENGINE_BINARY points at as
//   <bin> [--datamodels <file>]... [--datasource <json>]            (JSON-RPC over stdio)
//   <bin> --datasource <json> cli can-connect-to-database|create-database
//   <bin> --version
// and speaks newline-delimited JSON-RPC 2.0 with it. We answer those calls with the
// WebAssembly build of the same engine (@prisma/schema-engine-wasm, engine line 8.1.0),
// which reaches Postgres through @prisma/adapter-pg instead of its own Rust driver.
// packages/db/tools/prisma.ts only selects this file when the native engine is unavailable.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

const argv = process.argv.slice(2);
const flag = (name) => argv.flatMap((a, i) => (a === name ? [argv[i + 1]] : []));
const datasource = flag("--datasource")[0] ? JSON.parse(flag("--datasource")[0]) : {};
const glueUrl = import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg");

if (argv.includes("--version")) {
  const { version } = JSON.parse(readFileSync(new URL("package.json", glueUrl), "utf8"));
  console.log(`schema-engine-wasm ${version}`);
  process.exit(0);
}

// adapter-pg rejects result columns of type `"char"` (prisma/orm#27403), which the engine's
// catalog queries return (pg_constraint.contype, confdeltype, ...). Their text form is what the
// engine expects, so relabel them as text. (`name` columns are already mapped by adapter-pg
// 7.10.) pg's Pool takes a `Client` class (documented option), so no internals are patched.
const CHAR_OID = 18;
const TEXT_OID = 25;
class CatalogTextClient extends pg.Client {
  query(config, values, callback) {
    const relabel = (res) => {
      for (const r of [res].flat()) for (const f of r?.fields ?? []) if (f.dataTypeID === CHAR_OID) f.dataTypeID = TEXT_OID;
      return res;
    };
    // pg.Pool#query calls client.query(text, values, callback); adapter transactions use promises.
    if (typeof callback === "function") return super.query(config, values, (err, res) => callback(err, err ? res : relabel(res)));
    if (typeof values === "function") return super.query(config, (err, res) => values(err, err ? res : relabel(res)));
    const out = super.query(config, values);
    return typeof out?.then === "function" ? out.then(relabel) : out;
  }
}

// One adapter factory per database URL. A URL's `?schema=` becomes the adapter's schema,
// as it would for the native engine.
class EnginePg extends PrismaPg {
  constructor(url) {
    super({ connectionString: url, Client: CatalogTextClient }, { schema: url && (new URL(url).searchParams.get("schema") ?? undefined) });
    this.url = url;
  }
  // adapter-pg runs a script by splitting it on ";", which breaks a migration that defines a
  // function (its body is full of semicolons). The native engine sends the script whole;
  // so does this, as one simple-protocol query (Postgres runs its statements in order).
  async connect() {
    const adapter = await super.connect();
    adapter.executeScript = async (script) => {
      try {
        await adapter.client.query(script);
      } catch (error) {
        adapter.onError(error);
      }
    };
    return adapter;
  }
  // Replaces adapter-pg's version, which builds the shadow pool from `{...config, database}`:
  // with a connectionString config the string wins, so its "shadow" would be the main
  // database. It also drops the database before ending the pool, which fails while pooled
  // connections are open. Here: use shadowDatabaseUrl if configured, else a throwaway
  // database that is dropped after its pool has fully closed.
  async connectToShadowDb() {
    if (datasource.shadowDatabaseUrl) return new EnginePg(datasource.shadowDatabaseUrl).connect();
    const name = `prisma_migrate_shadow_db_${randomUUID()}`;
    const admin = await this.connect();
    await admin.executeScript(`CREATE DATABASE "${name}"`);
    const url = new URL(this.url);
    url.pathname = `/${name}`;
    const shadow = await new EnginePg(url.href).connect();
    const closeShadow = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await closeShadow();
      try {
        await admin.executeScript(`DROP DATABASE IF EXISTS "${name}"`);
      } finally {
        await admin.dispose();
      }
    };
    return shadow;
  }
}

// `cli` mode: one-shot commands the CLI runs before a JSON-RPC session (migrate dev/reset,
// db push, ...). It creates the database only when can-connect fails with P1003, so that
// code must be reported. On failure the CLI skips the first stderr line and parses each
// following one as a JSON log record.
if (argv.includes("cli")) {
  const command = argv[argv.indexOf("cli") + 1];
  const url = new URL(datasource.url);
  const name = decodeURIComponent(url.pathname.slice(1)) || "postgres";
  try {
    if (command === "can-connect-to-database") {
      const client = new pg.Client({ connectionString: url.href });
      await client.connect().catch((e) => {
        if (e.code !== "3D000") throw e;
        throw Object.assign(new Error(`Database \`${name}\` does not exist on the database server at \`${url.host}\`.`), { code: "P1003" });
      });
      await client.end();
    } else if (command === "create-database") {
      url.pathname = "/postgres";
      const client = new pg.Client({ connectionString: url.href });
      await client.connect();
      await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`).finally(() => client.end());
    } else {
      throw new Error(`Unsupported schema engine cli command: ${command}`);
    }
    process.exit(0);
  } catch (e) {
    const fields = { message: e.message, ...(e.code === "P1003" && { error_code: e.code }) };
    process.stderr.write(`${JSON.stringify({ level: "INFO", fields: { message: "wasm schema engine" } })}\n`);
    process.stderr.write(`${JSON.stringify({ level: "ERROR", target: "schema_engine::logger", fields })}\n`);
    process.exit(1);
  }
}

// The wasm-bindgen glue imports the .wasm as an ES module, which Node 20 cannot do without
// --experimental-wasm-modules, so instantiate it by hand against the same glue module.
const glue = await import(glueUrl);
const { instance } = await WebAssembly.instantiate(readFileSync(new URL("schema_engine_bg.wasm", glueUrl)), { "./schema_engine_bg.js": glue });
glue.__wbg_set_wasm(instance.exports);
instance.exports.__wbindgen_start();
// The engine's panic hook reports its message through this global.
globalThis.PRISMA_WASM_PANIC_REGISTRY = { set_message: (m) => (panicMessage = m) };
const datamodels = flag("--datamodels").map((path) => [path, readFileSync(path, "utf8")]);
let panicMessage;
const engine = await glue.SchemaEngine.new(
  { datamodels: datamodels.length ? datamodels : undefined },
  (log) => process.stderr.write(log.endsWith("\n") ? log : `${log}\n`), // JSON log lines, like the native engine's stderr
  bindMigrationAwareSqlAdapterFactory(new EnginePg(datasource.url)),
);

// JSON-RPC mode. Most RPC methods are wasm methods of the same name; two differ.
const send = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);
const same =
  "applyMigrations createMigration dbExecute debugPanic devDiagnostic diagnoseMigrationHistory ensureConnectionValidity evaluateDataLoss introspect introspectSql markMigrationApplied markMigrationRolledBack reset schemaPush";
const calls = {
  ...Object.fromEntries(same.split(" ").map((m) => [m, (params) => engine[m](params)])),
  getDatabaseVersion: (params) => engine.version(params),
  // The native engine prints the diff by asking the CLI to (`print` request); the wasm one returns it.
  diff: async (params) => {
    const { stdout, exitCode } = await engine.diff(params);
    if (stdout) send({ jsonrpc: "2.0", id: `print-${randomUUID()}`, method: "print", params: { content: stdout } });
    return { exitCode };
  },
};

let pending = 0;
let stdinClosed = false;
// Idle pg pools and timers the wasm engine leaves behind would keep the process alive after
// the CLI closes stdin; exit explicitly once nothing is in flight.
const exitIfIdle = () => {
  if (stdinClosed && pending === 0) process.stdout.write("", () => process.exit(0));
};

createInterface({ input: process.stdin, crlfDelay: Infinity })
  .on("line", async (line) => {
    if (!line.trim()) return;
    const { id, method, params } = JSON.parse(line);
    if (method === undefined) return; // the CLI's reply to our `print` request
    pending++;
    try {
      if (!Object.hasOwn(calls, method)) throw Object.assign(new Error(`Method not found: ${method}`), { rpcCode: -32601 });
      const result = await calls[method](params).catch(async (e) => {
        // Engine bug (wasm build only): evaluateDataLoss/createMigration build the schema of the
        // migration history without the adapter's shadow-database factory, so they only work if
        // an earlier devDiagnostic call already put it in the engine's per-history cache. That is
        // not the case when `migrate dev` first applies pending migrations (e.g. to a new
        // database). Fill the cache through devDiagnostic, which does use the factory; retry once.
        if (!params?.migrationsList || !/shadow DB must be provided through an external factory/.test(e?.message)) throw e;
        await engine.devDiagnostic({ migrationsList: params.migrationsList, filters: params.filters });
        return calls[method](params);
      });
      send({ jsonrpc: "2.0", id, result: result ?? {} });
    } catch (e) {
      // Same error shape as the native engine: the CLI reads data.message / data.error_code /
      // data.is_panic. A wasm panic surfaces as a RuntimeError and poisons the instance.
      const isPanic = e?.name === "RuntimeError";
      const message = isPanic ? (panicMessage ?? e.message) : (e?.message ?? String(e));
      send({
        jsonrpc: "2.0",
        id,
        error: { code: e?.rpcCode ?? 4466, message, data: { is_panic: isPanic, message, meta: e?.meta ?? null, error_code: e?.code } },
      });
      if (isPanic) process.stdout.write("", () => process.exit(101));
    } finally {
      pending--;
      exitIfIdle();
    }
  })
  .on("close", () => {
    stdinClosed = true;
    exitIfIdle();
  });
