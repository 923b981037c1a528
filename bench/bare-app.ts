// The bare baseline server: bench/bare-next, a Next.js app with one route
// handler (GET /api/ping, a constant JSON answer like Backline's /api/health)
// and no proxy, built with the repository's own Next and started with
// `next start`. Its build is made on first use and again when its files change.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { repoRoot, startProcess, waitForPort, type Proc } from "@backline/test-kit";

export const BARE_DIR = path.join(repoRoot, "bench/bare-next");
const NEXT_BIN = path.join(repoRoot, "node_modules/next/dist/bin/next");

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => !f.startsWith(".next") && !f.includes("node_modules"))
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
}

/** Builds bench/bare-next unless its build is newer than every file in it. Answers whether it built. */
export function ensureBareBuild(log: (line: string) => void): boolean {
  const buildId = path.join(BARE_DIR, ".next/BUILD_ID");
  if (existsSync(buildId)) {
    const built = statSync(buildId).mtimeMs;
    if (sources(BARE_DIR).every((f) => statSync(f).mtimeMs < built)) return false;
  }
  log("[bench] building the bare baseline (bench/bare-next: next build, ~10 s)…");
  execFileSync(process.execPath, [NEXT_BIN, "build", BARE_DIR], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return true;
}

/** `next start` of the bare app on 127.0.0.1:port (its own process group); resolves once it listens. */
export async function startBare(port: number): Promise<Proc> {
  const proc = startProcess("bare-next", process.execPath, [NEXT_BIN, "start", BARE_DIR, "-p", String(port), "-H", "127.0.0.1"], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  await waitForPort(port, { what: "the bare Next app", proc });
  return proc;
}
