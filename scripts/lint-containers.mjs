#!/usr/bin/env node
// Lints what `docker build` and `docker compose` would read, without a Docker
// engine: every Dockerfile with dockerfile-utils (the validator VS Code's
// Docker support uses) and docker-compose.yml with dclint (the Compose
// specification's schema and its best practices). Exits 1 naming each problem.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
const { validate } = require("dockerfile-utils");

let problems = 0;
for (const file of ["apps/web/Dockerfile", "apps/worker/Dockerfile"]) {
  for (const d of validate(readFileSync(path.join(root, file), "utf8"))) {
    problems += 1;
    console.error(`${file}:${d.range.start.line + 1}: ${d.message}`);
  }
}
const compose = spawnSync(
  process.execPath,
  [path.join(root, "node_modules/dclint/bin/dclint.cjs"), "docker-compose.yml", "--max-warnings", "0", "--color", "false"],
  {
    cwd: root,
    encoding: "utf8",
  },
);
if (compose.status !== 0) {
  problems += 1;
  console.error(compose.stdout + compose.stderr);
}
if (problems > 0) process.exit(1);
console.log("Dockerfiles and docker-compose.yml: no problems");
