// GET /api/docs/scalar.js — Scalar's standalone bundle, served from this site
// (never a CDN): found in node_modules from the app's folder up, read once.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";

const BUNDLE = ["node_modules", "@scalar", "api-reference", "dist", "browser", "standalone.js"];
let bundle: Promise<Buffer> | undefined;

function bundlePath(): string {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const candidate = path.join(/*turbopackIgnore: true*/ dir, ...BUNDLE);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error("@scalar/api-reference is not installed");
  }
}

export async function GET() {
  bundle ??= readFile(/*turbopackIgnore: true*/ bundlePath());
  return new Response(new Uint8Array(await bundle), {
    headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=86400" },
  });
}
