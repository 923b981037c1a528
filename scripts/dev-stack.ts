// Starts the whole product for a person trying it: checks (or starts) Postgres
// and Redis, migrates, seeds, builds, then runs web + worker + dev inbox until
// Ctrl-C — or, with --check, until a report has gone from sign-in to inbox (CI runs
// that). Every failure is one line that names the setting to fix.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { appEnv, authEnv, databaseEnv, describeSignUpPolicy, EnvError, mailEnv, parseEnv, redactUrl, redisEnv } from "@backline/config";
import { checkDatabase } from "@backline/db";
import { checkRedis } from "@backline/queue";
import pg from "pg";
import { runPrisma } from "../packages/db/tools/prisma.ts";
import { smokeCheck } from "./smoke-check.ts";

const root = path.resolve(import.meta.dirname, "..");
const children: ChildProcess[] = [];
const COLORS: Record<string, string> = { web: "36", worker: "35", inbox: "33", redis: "31", postgres: "34" };
let stopping = false;

const say = (line: string) => console.log(`\x1b[1m▸\x1b[0m ${line}`);
function fail(line: string): never {
  console.error(`\x1b[31m✖\x1b[0m ${line}`);
  stopping = true;
  for (const child of children) signalGroup(child, "SIGTERM");
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

process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

if (await portOpen("127.0.0.1", env.PORT)) fail(`Port ${env.PORT} is already in use (PORT=${env.PORT}); stop what listens there or set PORT`);
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
  if (await portOpen(smtp.hostname, Number(smtp.port || 25))) say(`Reusing the SMTP server already on ${smtp.host}`);
  else {
    start("inbox", "npx", ["maildev", "--smtp", smtp.port || "1025", "--ip", "127.0.0.1", "--web", "1080", "--web-ip", "127.0.0.1", "--silent"]);
    await waitForPort(smtp.hostname, Number(smtp.port || 1025), "the dev inbox (maildev)");
  }
}
start("web", "npm", ["run", "start:web", "--silent"]); // apps/web/server.mjs reads PORT
start("worker", "npm", ["run", "start:worker", "--silent"]);
await waitForPort("127.0.0.1", env.PORT, "the web app");

if (check) {
  try {
    const result = await smokeCheck({ appBase: `http://127.0.0.1:${env.PORT}`, appUrl: env.APP_URL, inboxUrl, say });
    say(`\x1b[32m✔\x1b[0m Check passed: ${result.email} signed in, report ${result.reportId} sent and in the dev inbox (${result.seconds.toFixed(1)} s)`);
  } catch (error) {
    fail(`Check failed: ${(error as Error).message}`);
  }
  stopAll(0);
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
  if (!(await checkRedis(env.REDIS_URL))) return;
  const url = new URL(env.REDIS_URL);
  const local = ["127.0.0.1", "localhost"].includes(url.hostname);
  if (!local || !hasCommand("redis-server")) {
    fail(`Redis is not reachable at REDIS_URL=${redactUrl(env.REDIS_URL)}. Start one (e.g. \`docker compose up -d redis\`) or set REDIS_URL.`);
  }
  const dir = path.resolve(root, "var/redis");
  mkdirSync(dir, { recursive: true });
  say(`Starting a local Redis on port ${url.port || 6379} (data in var/redis)`);
  start("redis", "redis-server", [
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
  await waitForPort("127.0.0.1", Number(url.port || 6379), "Redis");
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
  start("postgres", path.join(bin, "postgres"), ["-D", dataDir, "-p", url.port || "5432", "-k", dataDir, "-c", "listen_addresses=127.0.0.1"]);
  await waitForPort("127.0.0.1", Number(url.port || 5432), "PostgreSQL");
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

function start(name: string, cmd: string, args: string[]) {
  const child = spawn(cmd, args, { cwd: root, env: process.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const tag = `\x1b[${COLORS[name] ?? "37"}m${name.padEnd(8)}\x1b[0m│ `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) process.stdout.write(tag + line + "\n");
    });
  }
  child.on("exit", (code, signal) => {
    if (!stopping) fail(`${name} exited unexpectedly (${signal ?? `code ${code}`}); see its output above`);
  });
  children.push(child);
}

function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  if (children.length > 0) say("Stopping…");
  // Stop in reverse order: web and worker before the services they use.
  const exits = [...children].reverse().map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        signalGroup(child, "SIGTERM");
        setTimeout(() => signalGroup(child, "SIGKILL"), 15_000).unref();
      }),
  );
  void Promise.all(exits).then(() => process.exit(code));
}

/** Signals the child's whole process group (npm → node), not just npm. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

async function waitForPort(host: string, port: number, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await portOpen(host, port))) {
    if (Date.now() > deadline) fail(`${what} did not start listening on ${host}:${port} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
