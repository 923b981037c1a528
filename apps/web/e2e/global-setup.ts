// Starts a private stack for the browser tests: a scratch database (migrated
// and seeded), the dev inbox (maildev), the production web build and a worker,
// all on their own ports and queue prefix. Returns the teardown.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createPrismaClient, seedDemoData } from "@backline/db";
import { TEST_SECRETS, createScratchDatabase, deleteQueueKeys, uniqueQueuePrefix } from "@backline/test-kit";
import { ADMIN_EMAIL, e2eStack } from "./stack";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

export default async function globalSetup() {
  const scratch = await createScratchDatabase();
  const db = createPrismaClient(scratch.url);
  await seedDemoData(db, { customers: 40, orders: 20_000 });
  await db.$disconnect();
  // Tests compare PDF figures with SQL on this database (workers inherit env).
  process.env.E2E_DATABASE_URL = scratch.url;
  process.env.E2E_INBOX_URL = e2eStack.inboxUrl;
  const reportsDir = await mkdtemp(path.join(os.tmpdir(), "backline-e2e-"));

  const env = {
    ...process.env,
    DATABASE_URL: scratch.url,
    QUEUE_PREFIX: uniqueQueuePrefix("e2e"),
    SMTP_URL: `smtp://127.0.0.1:${e2eStack.smtpPort}`,
    APP_URL: e2eStack.appUrl,
    PORT: String(e2eStack.appPort),
    REPORTS_DIR: reportsDir,
    WORKER_CONCURRENCY: "2",
    ...TEST_SECRETS,
    ADMIN_EMAILS: ADMIN_EMAIL,
    // Every request here comes from 127.0.0.1 and the fuzz test sends 10,000:
    // the limits themselves are tested in the integration tests.
    REPORTS_PER_USER_PER_MINUTE: "100000",
    REPORTS_PER_IP_PER_MINUTE: "100000",
    SIGN_IN_REQUESTS_PER_IP_PER_HOUR: "100000",
    DOWNLOAD_LINKS_PER_USER_PER_HOUR: "100000",
    MAX_REPORTS_IN_FLIGHT_PER_USER: "50",
  };
  const children: ChildProcess[] = [];
  const start = (name: string, cmd: string, args: string[], cwd: string) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let log = "";
    child.stdout!.on("data", (d) => (log += d));
    child.stderr!.on("data", (d) => (log += d));
    child.on("exit", (code) => {
      if (code && code !== 0 && !stopping) console.error(`[e2e] ${name} exited with ${code}:\n${log.slice(-4000)}`);
    });
    children.push(child);
  };
  let stopping = false;

  start(
    "inbox",
    process.execPath,
    [
      path.join(repoRoot, "node_modules/maildev/dist/bin/maildev.js"),
      "--smtp",
      String(e2eStack.smtpPort),
      "--ip",
      "127.0.0.1",
      "--web",
      String(e2eStack.inboxPort),
      "--web-ip",
      "127.0.0.1",
      "--silent",
    ],
    repoRoot,
  );
  await waitForPort(e2eStack.smtpPort, "maildev SMTP");
  await waitForPort(e2eStack.inboxPort, "maildev web");
  start("web", process.execPath, ["server.mjs", "-p", String(e2eStack.appPort), "-H", "127.0.0.1"], path.join(repoRoot, "apps/web")); // what `npm run start:web` runs
  start("worker", process.execPath, ["dist/main.js"], path.join(repoRoot, "apps/worker"));
  await waitForPort(e2eStack.appPort, "web app");

  return async () => {
    stopping = true;
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once("exit", () => resolve());
            try {
              process.kill(-child.pid!, "SIGTERM");
            } catch {
              resolve();
            }
            setTimeout(() => {
              try {
                process.kill(-child.pid!, "SIGKILL");
              } catch {}
            }, 10_000).unref();
          }),
      ),
    );
    await scratch.drop();
    await deleteQueueKeys(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", env.QUEUE_PREFIX);
    await rm(reportsDir, { recursive: true, force: true });
  };
}

async function waitForPort(port: number, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port });
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
