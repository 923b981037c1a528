// The launcher (`npm run start:worker`, src/launcher.ts) on real processes: it
// starts WORKER_PROCESSES copies of the worker, each with its own probes port;
// one killed outright is started again; SIGTERM — sent to the launcher alone —
// reaches every copy, which drains, and the launcher exits 0 once all have. A
// copy that can't start stops the launcher with its exit code.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { TEST_SECRETS, freePort, startProcess, waitUntil, type Proc } from "@backline/test-kit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { APP_URL, REDIS_URL, createHarness, type Harness } from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ customers: 10, orders: 100 });
});
afterEach(() => h?.endTest());
afterAll(() => h?.close());

/** `count` free ports in a row (the launcher gives copy k the port base + k). */
async function freePorts(count: number): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base + count > 65535) continue;
    const probes = await Promise.all(Array.from({ length: count - 1 }, (_, k) => portFree(base + k + 1)));
    if (probes.every(Boolean)) return base;
  }
}
async function portFree(port: number): Promise<boolean> {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function startLauncher(env: Record<string, string>): Proc {
  const { prefix } = h.stack("launcher");
  const proc = startProcess("launcher", process.execPath, ["--import", "tsx", "src/launcher.ts"], {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: {
      ...process.env,
      DATABASE_URL: h.scratch.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      SMTP_URL: h.smtp.url,
      REPORTS_DIR: h.reportsDir,
      APP_URL,
      WORKER_CONCURRENCY: "1",
      WORKER_METRICS_HOST: "127.0.0.1",
      ...TEST_SECRETS,
      ...env,
    },
    graceMs: 60_000,
  });
  h.onClose(() => proc.stop());
  return proc;
}

/** The worker copies a launcher runs (not tsx's esbuild helper, also its child here). */
const children = (pid: number): number[] => {
  try {
    return execFileSync("pgrep", ["-P", String(pid), "-f", "main\\.(ts|js)"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean)
      .map(Number)
      .sort();
  } catch {
    return []; // pgrep exits 1 when there are none
  }
};
const healthy = (port: number) =>
  fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );

describe("the worker launcher", () => {
  it("runs N copies, starts a killed one again, and on SIGTERM drains them all and exits 0", async () => {
    const base = await freePorts(3);
    const launcher = startLauncher({ WORKER_PROCESSES: "3", WORKER_METRICS_PORT: String(base) });
    const ready = { pids: (JSON.parse(await launcher.waitForLine(/"msg":"worker processes ready"/, 120_000)) as { workerPids: number[] }).workerPids };
    expect(ready.pids).toHaveLength(3);
    expect(children(launcher.pid)).toEqual([...ready.pids].sort());
    for (const k of [0, 1, 2]) expect(await healthy(base + k)).toBe(true);

    // kill -9 the second copy: the launcher starts a new one in its place, on its port.
    const victim = ready.pids[1]!;
    process.kill(victim, "SIGKILL");
    const died = JSON.parse(await launcher.waitForLine(/"msg":"a worker process died; starting it again"/, 30_000));
    expect(died).toMatchObject({ process: 1, workerPid: victim, signal: "SIGKILL" });
    await waitUntil(async () => children(launcher.pid).length === 3 && !children(launcher.pid).includes(victim) && (await healthy(base + 1)), {
      what: "the killed copy to be replaced",
      timeoutMs: 120_000,
    });
    const after = children(launcher.pid);
    expect(after.filter((pid) => ready.pids.includes(pid))).toEqual([ready.pids[0]!, ready.pids[2]!].sort());

    // SIGTERM to the launcher only: it forwards it, every copy drains and exits 0, then so does the launcher.
    process.kill(launcher.pid, "SIGTERM");
    expect(await launcher.exited).toBe(0);
    expect(launcher.tail()).toMatch(/"msg":"stopping: every worker process finishes its jobs in flight"/);
    expect(launcher.tail(200).match(/"msg":"stopped"/g)).toHaveLength(3); // each copy's own last line
    for (const pid of after) expect(() => process.kill(pid, 0)).toThrow();
  });

  it("a copy that can't start stops the launcher with its one line and exit code", async () => {
    const launcher = startLauncher({ WORKER_PROCESSES: "2", DATABASE_URL: "postgresql://postgres@127.0.0.1:1/backline" });
    expect(await launcher.exited).toBe(1);
    expect(launcher.tail()).toMatch(/DATABASE_URL/);
    expect(children(launcher.pid)).toEqual([]);
  });

  it("a bad WORKER_PROCESSES is one line naming it", async () => {
    const launcher = startLauncher({ WORKER_PROCESSES: "many" });
    expect(await launcher.exited).toBe(1);
    expect(launcher.tail().trim()).toBe("Invalid environment — WORKER_PROCESSES: must be auto or a whole number from 1 to 64");
  });
});
