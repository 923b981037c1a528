#!/usr/bin/env node
// The tests drive Debian tools: Chromium for the end-to-end tests (Playwright
// never downloads a browser here), poppler-utils (pdffonts, pdfinfo, pdftotext)
// for the PDF tests, SpamAssassin for the email tests, Prometheus (and promtool)
// for the metrics and alert-rule tests, redis-server and redis-cli for the Redis
// Cluster tests and chaos. A fresh machine has none:
// as root with apt-get, install what is missing (one line says so); otherwise
// stop with one line naming the command. Plain JS so it runs before anything else
// is installed.
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

const fail = (line) => {
  console.error(`✖ ${line}`);
  process.exit(1);
};

const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
if (process.env.CHROMIUM_PATH && !executable(chromium)) {
  fail(`CHROMIUM_PATH=${chromium} is not an executable file; point it at a Chromium or Chrome binary.`);
}

/** Debian package → the commands the tests run from it. */
const tools = [
  { pkg: "chromium", what: `Chromium at ${chromium}`, present: () => executable(chromium) },
  { pkg: "poppler-utils", what: "pdffonts/pdfinfo", present: () => hasCommand("pdffonts") && hasCommand("pdfinfo") },
  { pkg: "spamassassin", what: "spamassassin", present: () => hasCommand("spamassassin") },
  { pkg: "prometheus", what: "prometheus/promtool", present: () => hasCommand("prometheus") && hasCommand("promtool") },
  // The Redis Cluster tests (npm run test:redis-cluster) and chaos start redis-servers of their own.
  { pkg: "redis-server", what: "redis-server", present: () => hasCommand("redis-server") },
  { pkg: "redis-tools", what: "redis-cli", present: () => hasCommand("redis-cli") },
];

const missing = tools.filter((t) => !t.present());
if (missing.length > 0) {
  const pkgs = missing.map((t) => t.pkg);
  if (process.getuid?.() !== 0 || !hasCommand("apt-get")) {
    fail(
      `Missing ${missing.map((t) => t.what).join(", ")}: run \`sudo apt-get install -y ${pkgs.join(" ")}\` (Debian/Ubuntu)` +
        (missing.some((t) => t.pkg === "chromium") ? " or set CHROMIUM_PATH to a Chromium or Chrome binary." : "."),
    );
  }
  console.log(`▸ Missing ${missing.map((t) => t.what).join(", ")}: installing Debian's ${pkgs.join(", ")} (apt-get install ${pkgs.join(" ")})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const steps = [
    ["apt-get", ["update", "-qq"]],
    ["apt-get", ["install", "-y", "-qq", ...pkgs]],
  ];
  for (const [cmd, args] of steps) {
    const result = spawnSync(cmd, args, { env, encoding: "utf8" });
    if (result.status !== 0) {
      process.stderr.write(result.stderr ?? "");
      fail(`\`${cmd} ${args.join(" ")}\` failed (see above); install ${pkgs.join(" ")} yourself.`);
    }
  }
  const still = missing.filter((t) => !t.present());
  if (still.length > 0) fail(`apt-get installed ${pkgs.join(" ")} but ${still.map((t) => t.what).join(", ")} is still missing.`);
}
