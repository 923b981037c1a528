#!/usr/bin/env node
// The end-to-end tests drive Debian's Chromium (Playwright never downloads a browser
// here). A fresh machine has none: as root with apt-get, install it (one line says so);
// otherwise stop with one line naming the command and CHROMIUM_PATH. Plain JS so it runs
// before anything else is installed.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const hasCommand = (name) => spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;

function ensureChromium() {
  const file = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (executable(file)) return;
  const fail = (line) => {
    console.error(`✖ ${line}`);
    process.exit(1);
  };
  if (process.env.CHROMIUM_PATH) fail(`CHROMIUM_PATH=${file} is not an executable file; point it at a Chromium or Chrome binary.`);
  if (process.getuid?.() !== 0 || !hasCommand("apt-get")) {
    fail(`Chromium is not installed at ${file}: run \`sudo apt-get install -y chromium\` (Debian/Ubuntu) or set CHROMIUM_PATH to a Chromium or Chrome binary.`);
  }
  console.log("▸ Chromium is missing: installing Debian's chromium package (apt-get install chromium)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const steps = [
    ["apt-get", ["update", "-qq"]],
    ["apt-get", ["install", "-y", "-qq", "chromium"]],
  ];
  for (const [cmd, args] of steps) {
    const result = spawnSync(cmd, args, { env, encoding: "utf8" });
    if (result.status !== 0) {
      process.stderr.write(result.stderr ?? "");
      fail(`\`${cmd} ${args.join(" ")}\` failed (see above); install Chromium yourself or set CHROMIUM_PATH.`);
    }
  }
  if (!executable(file)) fail(`apt-get installed chromium but ${file} is still missing; set CHROMIUM_PATH to the browser's binary.`);
}

ensureChromium();
