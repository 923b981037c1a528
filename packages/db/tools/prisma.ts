// Runs the Prisma CLI with a schema engine that works on this machine:
//   tsx packages/db/tools/prisma.ts <any prisma args>
//
// Prisma 7's migrate/db/generate commands need a native `schema-engine` binary that the CLI
// downloads on first use. Offline, that download fails, so we point PRISMA_SCHEMA_ENGINE_BINARY
// at wasm-schema-engine.mjs (the same engine compiled to WebAssembly) — but only when the
// native engine is neither installed nor obtainable, so machines with internet run the CLI
// exactly as before. BACKLINE_PRISMA_ENGINE=native|wasm forces a choice.
import { spawn, type StdioOptions } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../../..");
export const standInEngine = join(here, "wasm-schema-engine.mjs");
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;

// Resolve Prisma's internals through the installed CLI so we inspect the very copies it uses.
const prismaPackageJson = createRequire(import.meta.url).resolve("prisma/package.json");
const prismaCli = join(dirname(prismaPackageJson), "build/index.js");
const requireFromPrisma = createRequire(prismaPackageJson);

// Commands for which the CLI fetches the engine (its `ensureBinaries` list); other commands
// (studio, dev, ...) are passed through untouched.
const ENGINE_COMMANDS = new Set(["version", "init", "migrate", "db", "generate", "validate", "format", "telemetry"]);
const PROBE_TIMEOUT_MS = 3000;

export type EngineChoice = { engine: "native" | "wasm" | "custom" | "untouched"; reason: string };

/** Decides which schema engine the CLI should use. Never throws; never takes much over 3s. */
export async function chooseEngine(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<EngineChoice> {
  const forced = env.BACKLINE_PRISMA_ENGINE?.trim() || "auto";
  if (forced === "wasm") return { engine: "wasm", reason: "forced by BACKLINE_PRISMA_ENGINE=wasm" };
  if (forced === "native") return { engine: "native", reason: "forced by BACKLINE_PRISMA_ENGINE=native" };
  if (forced !== "auto") throw new Error(`BACKLINE_PRISMA_ENGINE must be native, wasm or auto (got "${forced}")`);
  const customBinary = env.PRISMA_SCHEMA_ENGINE_BINARY || env.PRISMA_MIGRATION_ENGINE_BINARY;
  if (customBinary) return { engine: "custom", reason: `PRISMA_SCHEMA_ENGINE_BINARY=${customBinary}` };
  const command = args.find((arg, i) => !arg.startsWith("-") && args[i - 1] !== "--config");
  if (!args.some((a) => a === "--version" || a === "-v") && !ENGINE_COMMANDS.has(command ?? "")) {
    return { engine: "untouched", reason: "command does not use the schema engine" };
  }
  try {
    const native = await nativeEngineSource(env);
    return native ? { engine: "native", reason: native } : { engine: "wasm", reason: "native engine not installed and its download host is unreachable" };
  } catch (error) {
    // Prisma internals changed shape: leave the CLI alone rather than guess.
    return { engine: "native", reason: `could not inspect the native engine (${(error as Error).message})` };
  }
}

/** Where the CLI would get its native engine without failing, or null if it cannot. */
async function nativeEngineSource(env: NodeJS.ProcessEnv): Promise<string | null> {
  const engines = requireFromPrisma("@prisma/engines") as { getEnginesPath(): string; enginesVersion: string };
  const requireFromEngines = createRequire(requireFromPrisma.resolve("@prisma/engines"));
  const platform = requireFromEngines("@prisma/get-platform") as { getBinaryTargetForCurrentPlatform(): Promise<string> };
  const fetchEngine = requireFromEngines("@prisma/fetch-engine") as {
    getBinaryName(name: string, target: string): string;
    getCacheDir(channel: string, version: string, target: string): Promise<string | null>;
    getProxyAgent(url: string): http.Agent | undefined;
  };
  const target = await platform.getBinaryTargetForCurrentPlatform();

  // 1. Already downloaded next to @prisma/engines (where the CLI looks first).
  const installed = join(engines.getEnginesPath(), fetchEngine.getBinaryName("schema-engine", target));
  if (existsSync(installed)) return `installed at ${installed}`;
  // 2. In Prisma's download cache with its checksum: the CLI copies it from there offline.
  const cacheDir = await fetchEngine.getCacheDir("master", engines.enginesVersion, target);
  if (cacheDir && existsSync(join(cacheDir, "schema-engine")) && existsSync(join(cacheDir, "schema-engine.sha256"))) {
    return `cached in ${cacheDir}`;
  }
  // 3. Downloadable: ask for the checksum file the CLI itself fetches first, through the same
  //    mirror variables and proxy agent. Cheap (tiny file, HEAD) and bounded by a hard timeout,
  //    whereas letting the CLI try can stall for a long time on a network that drops packets.
  const mirror = env.PRISMA_BINARIES_MIRROR || env.PRISMA_ENGINES_MIRROR || "https://binaries.prisma.sh";
  const url = `${mirror.replace(/\/$/, "")}/all_commits/${engines.enginesVersion}/${target}/schema-engine.sha256`;
  return (await isReachable(url, fetchEngine.getProxyAgent(url))) ? `downloadable from ${new URL(url).host}` : null;
}

function isReachable(url: string, agent: http.Agent | undefined): Promise<boolean> {
  return new Promise((done) => {
    const request = (url.startsWith("https:") ? https : http).request(url, { method: "HEAD", agent }, (response) => {
      response.resume();
      done((response.statusCode ?? 500) < 400);
    });
    const timer = setTimeout(() => request.destroy(), PROBE_TIMEOUT_MS).unref();
    request
      .on("error", () => done(false))
      .on("close", () => (clearTimeout(timer), done(false)))
      .end();
  });
}

/**
 * Runs `prisma <args>` with the chosen engine from the repo root (where prisma.config.ts lives),
 * inheriting stdio by default. Resolves with the CLI's exit code.
 */
export async function runPrisma(args: string[], env: NodeJS.ProcessEnv = process.env, options: { cwd?: string; stdio?: StdioOptions } = {}): Promise<number> {
  const choice = await chooseEngine(args, env);
  const childEnv: NodeJS.ProcessEnv = { ...env, CHECKPOINT_DISABLE: "1" };
  // The CLI resolves these against its cwd (the repo root); keep them relative to ours.
  for (const key of ["PRISMA_SCHEMA_ENGINE_BINARY", "PRISMA_MIGRATION_ENGINE_BINARY"]) if (childEnv[key]) childEnv[key] = resolve(childEnv[key]);
  if (choice.engine === "wasm") childEnv.PRISMA_SCHEMA_ENGINE_BINARY = standInEngine;
  if (choice.engine !== "untouched") process.stderr.write(`prisma: using ${choice.engine} schema engine (${choice.reason})\n`);

  const child = spawn(process.execPath, [prismaCli, ...args], { cwd: options.cwd ?? repoRoot, env: childEnv, stdio: options.stdio ?? "inherit" });
  // As a command, pass termination on to the CLI (a library caller handles its own signals).
  if (isMain) for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, () => child.kill(s));
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("close", (code, signal) => done(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

if (isMain) {
  runPrisma(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: Error) => {
      process.stderr.write(`prisma: ${error.message}\n`);
      process.exitCode = 2;
    },
  );
}
