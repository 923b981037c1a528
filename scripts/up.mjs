#!/usr/bin/env node
// `npm run up` on a fresh clone: install dependencies if they are missing or stale,
// generate the Prisma client, then hand over to the TypeScript dev-stack starter.
// Plain JS because nothing else is installed yet.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const env = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1", NEXT_TELEMETRY_DISABLED: "1", TURBO_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1" };
const installed = "node_modules/.package-lock.json";
if (!existsSync(installed) || statSync("package-lock.json").mtimeMs > statSync(installed).mtimeMs) {
  console.log("Installing dependencies (npm ci)…");
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { stdio: "inherit", env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// The dev-stack starter imports @backline/db, which imports the generated Prisma client:
// generate it first (turbo's cache makes this instant when the schema did not change).
const generated = spawnSync("npx", ["turbo", "run", "db:generate", "--output-logs=errors-only"], { encoding: "utf8", env });
if (generated.status !== 0) {
  process.stderr.write(generated.stdout + generated.stderr);
  console.error("✖ Generating the Prisma client failed (npx turbo run db:generate; see above)");
  process.exit(generated.status ?? 1);
}

const child = spawn(process.execPath, ["--import", "tsx", "scripts/dev-stack.ts", ...process.argv.slice(2)], { stdio: "inherit", env });
// The child handles Ctrl-C itself (it shares our terminal); just wait for it.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => {});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
