// `npm run start:worker`: WORKER_PROCESSES copies of the worker (main.ts, built
// to dist/main.js beside this file), by default one per CPU core. A worker
// renders PDFs on its one event loop, so one process per core is what uses the
// machine (measured: bench/worker-processes.ts). This small primary only
// supervises:
// - each copy is a child process with an IPC channel; it says when it is ready;
// - one that dies after it was ready is started again (after 1 s, doubling to
//   30 s while copies keep dying within a minute of starting); one that dies
//   before the first start-up completed (a setting, a service down) stops the
//   launcher with its exit code, as a single worker would stop;
// - SIGTERM/SIGINT go to every copy, which finishes its jobs in flight
//   (WORKER_SHUTDOWN_TIMEOUT_MS); the launcher exits when all have, 0 when all
//   did cleanly;
// - with WORKER_METRICS_PORT = p, copy k serves its /metrics, /healthz and
//   /readyz on p + k.
// Killed outright, its copies see the IPC channel close and drain themselves.
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { EnvError, parseEnv, workerEnv } from "@backline/config";
import { createLogger } from "@backline/config/logger";

let settings: { WORKER_PROCESSES: number | "auto"; WORKER_METRICS_PORT?: number | undefined; WORKER_SHUTDOWN_TIMEOUT_MS: number };
try {
  settings = parseEnv(workerEnv.pick({ WORKER_PROCESSES: true, WORKER_METRICS_PORT: true, WORKER_SHUTDOWN_TIMEOUT_MS: true }));
} catch (err) {
  console.error(err instanceof EnvError ? err.message : String(err));
  process.exit(1);
}

const count = settings.WORKER_PROCESSES === "auto" ? os.availableParallelism() : settings.WORKER_PROCESSES;
// Built: dist/main.js beside dist/launcher.js. From source (tsx): src/main.ts, with this process's --import tsx.
const entry = [path.join(import.meta.dirname, "main.js"), path.join(import.meta.dirname, "main.ts")].find((f) => existsSync(f))!;
const log = createLogger("backline-worker-launcher");
const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;
/** A copy that ran this long before dying resets the back-off. */
const STABLE_MS = 60_000;

interface Slot {
  index: number;
  child: ChildProcess | null;
  ready: boolean;
  startedAt: number;
  quickDeaths: number;
  restart: NodeJS.Timeout | null;
  exitCode: number | null;
}

const slots: Slot[] = Array.from({ length: count }, (_, index) => ({
  index,
  child: null,
  ready: false,
  startedAt: 0,
  quickDeaths: 0,
  restart: null,
  exitCode: null,
}));
let stopping: NodeJS.Signals | null = null;
let everyoneStarted = false;

function start(slot: Slot) {
  slot.restart = null;
  slot.ready = false;
  slot.startedAt = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, BACKLINE_WORKER_INDEX: String(slot.index) };
  if (settings.WORKER_METRICS_PORT) env.WORKER_METRICS_PORT = String(settings.WORKER_METRICS_PORT + slot.index);
  const child = fork(entry, [], { env, stdio: "inherit" });
  slot.child = child;
  child.on("message", (message: { backline?: string }) => {
    if (message?.backline !== "ready") return;
    slot.ready = true;
    if (!everyoneStarted && slots.every((s) => s.ready)) {
      everyoneStarted = true;
      log.info({ processes: count, workerPids: slots.map((s) => s.child?.pid) }, "worker processes ready");
    }
  });
  child.on("exit", (code, signal) => exited(slot, child, code, signal));
}

function exited(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
  if (slot.child !== child) return;
  slot.child = null;
  slot.exitCode = code ?? 1;
  if (stopping) {
    if (slots.every((s) => !s.child)) finish();
    return;
  }
  if (!slot.ready && !everyoneStarted) {
    // Start-up failed (it printed why): stop as one worker would, with its code.
    log.error({ process: slot.index, workerPid: child.pid, code, signal }, "a worker process stopped during start-up; stopping the others");
    void stop("SIGTERM", code ?? 1);
    return;
  }
  const ranMs = Date.now() - slot.startedAt;
  slot.quickDeaths = ranMs < STABLE_MS ? slot.quickDeaths + 1 : 0;
  const delayMs = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** Math.max(0, slot.quickDeaths - 1));
  log.warn({ process: slot.index, workerPid: child.pid, code, signal, ranMs, restartInMs: delayMs }, "a worker process died; starting it again");
  slot.restart = setTimeout(() => start(slot), delayMs);
}

let exitCode = 0;
async function stop(signal: NodeJS.Signals, code = 0) {
  if (stopping) return;
  stopping = signal;
  exitCode = code;
  log.info({ signal, processes: slots.filter((s) => s.child).length }, "stopping: every worker process finishes its jobs in flight");
  for (const slot of slots) {
    if (slot.restart) clearTimeout(slot.restart);
    slot.restart = null;
    slot.child?.kill(signal);
  }
  if (slots.every((s) => !s.child)) return finish();
  // Each copy exits by itself within WORKER_SHUTDOWN_TIMEOUT_MS; this only guards against one that hangs past it.
  setTimeout(() => {
    log.error("worker processes still running past the shutdown timeout; killing them");
    for (const slot of slots) slot.child?.kill("SIGKILL");
  }, settings.WORKER_SHUTDOWN_TIMEOUT_MS + 10_000).unref();
}

function finish() {
  const failed = slots.filter((s) => s.exitCode !== 0 && s.exitCode !== null);
  const code = exitCode || (failed.length > 0 ? 1 : 0);
  log.info({ code }, "worker processes stopped");
  process.exit(code);
}

process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
log.info(
  { processes: count, entry: path.basename(entry), metricsPorts: settings.WORKER_METRICS_PORT ? `${settings.WORKER_METRICS_PORT}+` : undefined },
  "starting worker processes",
);
for (const slot of slots) start(slot);
