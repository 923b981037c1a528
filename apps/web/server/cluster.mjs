// More than one web process behind one port (WEB_PROCESSES): Node's cluster
// module. The primary process binds the port and hands each new connection to
// the next web process in turn (round robin); each web process is this same
// server.mjs, with Next's request handler, its own database pool and Redis
// connections. Web processes share nothing in memory that matters: sessions,
// limits and live updates go through Postgres and Redis (a process's memory of
// verified sessions is told of every sign-out: lib/server/actor-cache.ts), so
// any process can answer any request.
//
// The primary starts one web process first, so a setting that stops it is
// reported once and stops everything with its exit code; then the others. One
// that dies later is replaced (more than 5 such deaths in a minute stop the
// server: something is wrong that restarting won't fix). SIGTERM/SIGINT reach
// every web process, which drain as a single one does; the primary exits with
// 143/130 once they have.
import cluster from "node:cluster";
import os from "node:os";
import { readSetting } from "./forwarded-for.mjs";

/**
 * WEB_PROCESSES as @backline/config reads it (the environment, else the
 * repository's .env): a whole number from 1 to 64, or `auto` (one per CPU core
 * this process may use); 1 when unset. Throws a one-line reason for a bad value.
 *
 * @param {Record<string, string | undefined>} env
 * @param {string} cwd
 * @returns {number}
 */
export function webProcesses(env = process.env, cwd = process.cwd()) {
  const raw = readSetting("WEB_PROCESSES", env, cwd)?.trim();
  if (raw === undefined || raw === "") return 1;
  if (raw === "auto") return Math.max(1, os.availableParallelism());
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > 64)
    throw new Error(`Invalid environment — WEB_PROCESSES: must be auto or a whole number from 1 to 64 (it is "${raw}")`);
  return count;
}

const MAX_RESTARTS_PER_MINUTE = 5;

/**
 * Runs the primary: forks `count` web processes and keeps them running.
 *
 * @param {number} count
 * @param {{ ready: () => void, drainMs: number }} options `ready` runs once every web process listens.
 */
export function runPrimary(count, { ready, drainMs }) {
  /** @type {number | null} the exit code, once stopping */
  let stopCode = null;
  let announced = false;
  /** @type {Set<number>} ids of the web processes that listen */
  const listening = new Set();
  /** @type {Map<number, import("node:cluster").Worker>} the web processes not yet exited */
  const alive = new Map();
  /** @type {number[]} */
  const deaths = [];

  const fork = () => {
    const worker = cluster.fork();
    alive.set(worker.id, worker);
    worker.once("listening", () => {
      listening.add(worker.id);
      if (!announced && listening.size === count) {
        announced = true;
        ready();
      }
    });
    worker.once("exit", (code, signal) => {
      const listened = listening.delete(worker.id);
      alive.delete(worker.id);
      if (stopCode !== null) {
        if (alive.size === 0) process.exit(stopCode);
        return;
      }
      if (!listened) {
        // It printed why (a setting, a taken port); the others would only say it again.
        stop("SIGTERM", code || 1);
        return;
      }
      const now = Date.now();
      deaths.push(now);
      while (deaths.length > 0 && deaths[0] < now - 60_000) deaths.shift();
      if (deaths.length > MAX_RESTARTS_PER_MINUTE) {
        console.error(`✖ Backline web: ${deaths.length} web processes died within a minute; stopping`);
        stop("SIGTERM", 1);
        return;
      }
      console.error(`Backline web: web process ${worker.process.pid} exited (${signal ?? code}); starting another`);
      fork();
    });
    return worker;
  };

  /** @param {NodeJS.Signals} signal @param {number} exitCode */
  function stop(signal, exitCode) {
    if (stopCode !== null) return;
    stopCode = exitCode;
    setTimeout(() => process.exit(exitCode), drainMs + 6000).unref();
    if (alive.size === 0) process.exit(exitCode);
    for (const worker of alive.values()) worker.process.kill(signal);
  }
  process.on("SIGTERM", () => stop("SIGTERM", 143));
  process.on("SIGINT", () => stop("SIGINT", 130));

  const first = fork();
  first.once("listening", () => {
    for (let i = 1; i < count && stopCode === null; i++) fork();
  });
}
