// Starts the whole product for a person trying it: checks (or starts) Postgres
// and Redis, migrates, seeds, builds, then runs web + worker + dev inbox until
// Ctrl-C — or, with --check, until a report has gone from sign-in to inbox (CI runs
// that). Every failure is one line that names the setting to fix.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { appEnv, authEnv, databaseEnv, describeSignUpPolicy, EnvError, mailEnv, parseClusterRedisUrl, parseEnv, redactUrl, redisEnv } from "@backline/config";
import { checkDatabase } from "@backline/db";
import { checkRedis } from "@backline/queue";
import { startInbox } from "@backline/test-kit/app-stack";
import { exitCleanlyOnSignals, portOpen, runCleanup, signalAll, startProcess, waitForPort, type Proc } from "@backline/test-kit/processes";
import pg from "pg";
import { runPrisma } from "../packages/db/tools/prisma.ts";
import { smokeCheck } from "./smoke-check.ts";

const root = path.resolve(import.meta.dirname, "..");
const COLORS: Record<string, string> = { web: "36", worker: "35", inbox: "33", redis: "31", postgres: "34" };
let stopping = false;

const say = (line: string) => console.log(`\x1b[1m▸\x1b[0m ${line}`);
function fail(line: string): never {
  console.error(`\x1b[31m✖\x1b[0m ${line}`);
  stopping = true;
  signalAll("SIGTERM");
  process.exit(1);
}

const options = process.argv.slice(2);
const unknown = options.filter((option) => option !== "--check");
if (unknown.length > 0) fail(`Unknown option ${unknown.join(" ")}; the only one is --check (start, send one report end to end, stop)`);
const check = options.includes("--check");

ensureSecrets();

let env: ReturnType<typeof loadEnv>;
function loadEnv() {
  return parseEnv(
    databaseEnv
      .extend(redisEnv.shape)
      .extend(appEnv.shape)
      .extend(mailEnv.shape)
      .extend(authEnv.pick({ ALLOWED_EMAIL_DOMAINS: true, ALLOW_OPEN_SIGN_UP: true }).shape),
  );
}
try {
  env = loadEnv();
} catch (err) {
  fail(err instanceof EnvError ? err.message : String(err));
}

// Ctrl-C stops everything started here, last started first (a second Ctrl-C kills at once).
exitCleanlyOnSignals(() => {
  stopping = true;
  say("Stopping…");
}, 0);

if (await portOpen(env.PORT)) fail(`Port ${env.PORT} is already in use (PORT=${env.PORT}); stop what listens there or set PORT`);
await ensureRedis();
await ensurePostgres();

say("Applying database migrations");
if ((await runPrisma(["migrate", "deploy"], { ...process.env, DATABASE_URL: env.DATABASE_URL })) !== 0)
  fail("Migrations failed (see above); check DATABASE_URL");

say("Seeding demo data");
run("npx", ["tsx", "prisma/seed.ts"], "Seeding failed (see above)");

say("Building web and worker");
run("npx", ["turbo", "run", "build", "--output-logs=errors-only"], "Build failed (see above)");

mkdirSync(path.resolve(root, env.REPORTS_DIR), { recursive: true });
const smtp = new URL(env.SMTP_URL);
const inboxUrl = "http://localhost:1080";
const useDevInbox = ["127.0.0.1", "localhost"].includes(smtp.hostname);
if (check && !useDevInbox) fail(`--check reads the dev inbox, so SMTP_URL must point at this machine (it is ${redactUrl(env.SMTP_URL)})`);
if (useDevInbox) {
  if (await portOpen(Number(smtp.port || 25), smtp.hostname)) say(`Reusing the SMTP server already on ${smtp.host}`);
  else {
    const inbox = await startInbox({ smtpPort: Number(smtp.port || 1025), webPort: 1080, ...output("inbox") }).catch((err: Error) => fail(firstLine(err)));
    failOnExit(inbox.proc);
  }
}
const web = start("web", "npm", ["run", "start:web", "--silent"]); // apps/web/server.mjs reads PORT
start("worker", "npm", ["run", "start:worker", "--silent"]);
await waitPort(env.PORT, "the web app", web);

if (check) {
  try {
    const result = await smokeCheck({ appBase: `http://127.0.0.1:${env.PORT}`, appUrl: env.APP_URL, inboxUrl, say });
    say(`\x1b[32m✔\x1b[0m Check passed: ${result.email} signed in, report ${result.reportId} sent and in the dev inbox (${result.seconds.toFixed(1)} s)`);
  } catch (error) {
    fail(`Check failed: ${(error as Error).message}`);
  }
  stopping = true;
  say("Stopping…");
  await runCleanup();
  process.exit(0);
} else {
  console.log(`
  \x1b[1mBackline is running\x1b[0m
  Web app     ${env.APP_URL}   (${describeSignUpPolicy(env)}${useDevInbox ? " The sign-in link arrives in the dev inbox." : ""})
  ${useDevInbox ? `Dev inbox   ${inboxUrl}` : `SMTP        ${redactUrl(env.SMTP_URL)}`}
  Press Ctrl-C to stop everything.
`);
}

// ---------------------------------------------------------------------------

/**
 * Web and worker refuse to start without their secrets. A first run writes
 * random ones to the repository's .env (git-ignored), which every process
 * reads; secrets already in the environment or in .env are kept.
 */
function ensureSecrets() {
  const file = path.join(root, ".env");
  // An empty `NAME=` line counts as missing (as the apps see it) and is dropped for the new one.
  const existing = (existsSync(file) ? readFileSync(file, "utf8") : "").replace(/^(AUTH_SECRET|DOWNLOAD_LINK_SECRET)=[ \t]*\r?$\n?/gm, "");
  const missing = ["AUTH_SECRET", "DOWNLOAD_LINK_SECRET"].filter((name) => !process.env[name] && !new RegExp(`^${name}=\\S`, "m").test(existing));
  if (missing.length === 0) return;
  const lines = missing.map((name) => `${name}=${randomBytes(32).toString("base64url")}`);
  writeFileSync(
    file,
    `${existing}${existing && !existing.endsWith("\n") ? "\n" : ""}# Written by npm run up: keep private, keep stable (changing them signs everyone out and breaks emailed links).\n${lines.join("\n")}\n`,
  );
  say(`Wrote a new ${missing.join(" and ")} to .env`);
}

async function ensureRedis() {
  const problem = await checkRedis(env.REDIS_URL);
  if (!problem) return;
  // A cluster is never started here: it is one the user runs (REDIS_CLUSTER_NODES).
  if (parseClusterRedisUrl(env.REDIS_URL)) fail(`${problem}. Start the cluster or unset REDIS_CLUSTER_NODES.`);
  const url = new URL(env.REDIS_URL);
  const local = ["127.0.0.1", "localhost"].includes(url.hostname);
  if (!local || !hasCommand("redis-server")) {
    fail(`Redis is not reachable at REDIS_URL=${redactUrl(env.REDIS_URL)}. Start one (e.g. \`docker compose up -d redis\`) or set REDIS_URL.`);
  }
  const dir = path.resolve(root, "var/redis");
  mkdirSync(dir, { recursive: true });
  say(`Starting a local Redis on port ${url.port || 6379} (data in var/redis)`);
  const redis = start("redis", "redis-server", [
    "--port",
    url.port || "6379",
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--appendonly",
    "yes",
    "--appendfsync",
    "everysec",
    "--maxmemory-policy",
    "noeviction",
    "--save",
    "",
  ]);
  await waitPort(Number(url.port || 6379), "Redis", redis);
}

async function ensurePostgres() {
  const problem = await checkDatabase(env.DATABASE_URL);
  if (!problem) return;
  const url = new URL(env.DATABASE_URL);
  const dbName = decodeURIComponent(url.pathname.slice(1));
  // The server answers but the database doesn't exist yet: create it.
  const admin = new URL(url);
  admin.pathname = "/postgres";
  if (/does not exist/.test(problem) && !(await checkDatabase(admin.toString()))) {
    say(`Creating database ${dbName}`);
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`CREATE DATABASE "${dbName.replace(/"/g, '""')}"`);
    await client.end();
    return;
  }
  const local = ["127.0.0.1", "localhost"].includes(url.hostname);
  const bin = postgresBinDir();
  if (!local || !bin || process.getuid?.() === 0) {
    fail(`PostgreSQL is not reachable at DATABASE_URL=${redactUrl(env.DATABASE_URL)}. Start it (e.g. \`docker compose up -d postgres\`) or set DATABASE_URL.`);
  }
  const dataDir = path.resolve(root, "var/postgres");
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    say("Initialising a local PostgreSQL in var/postgres");
    run(path.join(bin, "initdb"), ["-D", dataDir, "-U", url.username || "postgres", "--auth=trust", "-E", "UTF8"], "initdb failed");
  }
  say(`Starting a local PostgreSQL on port ${url.port || 5432}`);
  const postgres = start("postgres", path.join(bin, "postgres"), ["-D", dataDir, "-p", url.port || "5432", "-k", dataDir, "-c", "listen_addresses=127.0.0.1"]);
  await waitPort(Number(url.port || 5432), "PostgreSQL", postgres);
  await ensurePostgres();
}

function postgresBinDir(): string | null {
  const found = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" }).stdout.trim();
  if (found) return path.dirname(found);
  const debian = spawnSync("sh", ["-c", "ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1"], { encoding: "utf8" }).stdout.trim();
  return debian || null;
}

function hasCommand(name: string) {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

function run(cmd: string, args: string[], failure: string) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, DATABASE_URL: env.DATABASE_URL } });
  if (result.status !== 0) fail(failure);
}

/** A process of the stack: its output shown line by line under its name; stopped (SIGTERM, SIGKILL after 15 s) on Ctrl-C or at the end of --check. */
function start(name: string, cmd: string, args: string[]): Proc {
  const proc = startProcess(name, cmd, args, { cwd: root, env: process.env, ...output(name) });
  failOnExit(proc);
  return proc;
}

function output(name: string) {
  const tag = `\x1b[${COLORS[name] ?? "37"}m${name.padEnd(8)}\x1b[0m│ `;
  return { name, onLine: (line: string) => void process.stdout.write(`${tag}${line}\n`), graceMs: 15_000 };
}

function failOnExit(proc: Proc) {
  void proc.exited.then(() => {
    if (!stopping) fail(`${proc.name} exited unexpectedly (${proc.child.signalCode ?? `code ${proc.child.exitCode}`}); see its output above`);
  });
}

function firstLine(err: Error): string {
  return err.message.split("\n")[0]!;
}

/** Waits for the port, or stops with one line (the process's own output is already on screen). */
async function waitPort(port: number, what: string, proc: Proc) {
  await waitForPort(port, { what, proc }).catch((err: Error) => fail(firstLine(err)));
}
