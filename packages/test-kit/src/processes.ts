// Child processes for test stacks and tools (bench, chaos, the e2e set-up, the
// worker tests, `npm run up`): each in its own process group, its output always
// drained (a full pipe would block it) and its last lines kept for error
// messages; stopped with SIGTERM, then SIGKILL after a grace period. A cleanup
// registry undoes everything in reverse order on a normal exit, an error or
// Ctrl-C. Node built-ins only: `npm run up` imports this.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";

// ---------------------------------------------------------------- cleanup registry

type CleanupFn = () => Promise<void> | void;
const cleanups: { what: string; fn: CleanupFn }[] = [];

/**
 * Registers an undo step; runCleanup() runs them last-in first-out, each one even
 * if an earlier one failed. Returns a function that removes the step (once it is done by other means).
 */
export function onCleanup(what: string, fn: CleanupFn): () => void {
  const entry = { what, fn };
  cleanups.push(entry);
  return () => {
    const at = cleanups.indexOf(entry);
    if (at >= 0) cleanups.splice(at, 1);
  };
}

const CLEANUP_STEP_TIMEOUT_MS = 20_000;
let cleaning: Promise<void> | null = null;

/** Runs every registered undo step (bounded, 20 s each: a hung step must not keep the process alive). */
export function runCleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const { what, fn } = cleanups.pop()!;
      try {
        await Promise.race([
          fn(),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error(`timed out after ${CLEANUP_STEP_TIMEOUT_MS / 1000} s`)), CLEANUP_STEP_TIMEOUT_MS).unref(),
          ),
        ]);
      } catch (err) {
        console.error(`[cleanup] "${what}" failed: ${(err as Error).message}`);
      }
    }
    cleaning = null;
  })();
  return cleaning;
}

/**
 * First SIGINT/SIGTERM: `onFirst`, then runCleanup() and exit with `exitCode`; a
 * second one stops waiting and kills every process started here at once.
 * Returns whether an interrupt has come.
 */
export function exitCleanlyOnSignals(onFirst: (signal: NodeJS.Signals) => void, exitCode = 130): () => boolean {
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (interrupted) {
        signalAll("SIGKILL");
        process.exit(exitCode);
      }
      interrupted = true;
      onFirst(signal);
      void runCleanup().then(() => process.exit(exitCode));
    });
  }
  return () => interrupted;
}

// ---------------------------------------------------------------- processes

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The last `lines` lines of stdout+stderr, for error messages. */
  tail(lines?: number): string;
  /** Resolves with the first output line (already printed or still to come) matching `re`; rejects on exit or timeout. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves when the process has exited: its exit code, -1 if a signal ended it. */
  exited: Promise<number | null>;
  running(): boolean;
  /** Sends `signal` to the whole process group (SIGKILL: kill -9; SIGSTOP/SIGCONT: pause and resume). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM to the group, SIGKILL after the grace period; then SIGKILL again for grandchildren that ignored SIGTERM. */
  stop(): Promise<void>;
}

export interface StartOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Every output line as it comes (to echo it, say); the tail keeps them anyway. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** How long stop() waits after SIGTERM before SIGKILL (default 10 s: the worker finishes jobs in flight on SIGTERM). */
  graceMs?: number;
}

const TAIL_LINES = 200;
const live = new Set<Proc>();

/**
 * Spawns a process in its own process group (detached) so stop() and signal()
 * reach the whole tree (`npm run …` forks node, `next` forks its server), and so
 * a Ctrl-C in the terminal reaches only the caller, which then stops everything
 * in order. Registered for runCleanup() until stopped.
 */
export function startProcess(name: string, command: string, args: string[], options: StartOptions): Proc {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const reader = (stream: "stdout" | "stderr") => {
    let partial = "";
    return (chunk: Buffer) => {
      partial += chunk.toString("utf8");
      const parts = partial.split("\n");
      partial = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (lines.length > TAIL_LINES) lines.shift();
        options.onLine?.(line, stream);
        for (const listener of listeners) listener(line);
      }
    };
  };
  // Always drain both pipes: a full pipe would block the child.
  child.stdout!.on("data", reader("stdout"));
  child.stderr!.on("data", reader("stderr"));
  // A command that can't be spawned (ENOENT) emits "error" and then "exit" may never come.
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null)));
    child.once("error", (err) => {
      lines.push(`${name}: ${err.message}`);
      resolve(child.exitCode ?? -1);
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const graceMs = options.graceMs ?? 10_000;

  const proc: Proc = {
    name,
    child,
    pid: child.pid ?? -1,
    tail: (n = 40) => lines.slice(-n).join("\n"),
    exited,
    running,
    signal: signalGroup,
    waitForLine(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const found = lines.find((l) => re.test(l));
        if (found) return resolve(found);
        const timer = setTimeout(() => done(new Error(`${name}: no line matching ${re} within ${timeoutMs} ms\n${proc.tail()}`)), timeoutMs);
        const listener = (line: string) => re.test(line) && done(null, line);
        const done = (err: Error | null, line?: string) => {
          clearTimeout(timer);
          listeners.delete(listener);
          if (err) reject(err);
          else resolve(line!);
        };
        listeners.add(listener);
        void exited.then((code) => done(new Error(`${name} exited (${code}) before printing ${re}\n${proc.tail()}`)));
      });
    },
    async stop() {
      unregister();
      live.delete(proc);
      if (running()) {
        signalGroup("SIGTERM");
        const killer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
        await exited;
        clearTimeout(killer);
      }
      // The group may still hold grandchildren that ignored SIGTERM.
      signalGroup("SIGKILL");
    },
  };
  live.add(proc);
  const unregister = onCleanup(`stop ${name}`, () => proc.stop());
  return proc;
}

/** Sends `signal` to every process group started here and not yet stopped (SIGKILL on a second Ctrl-C). */
export function signalAll(signal: NodeJS.Signals): void {
  for (const p of live) p.signal(signal);
}

// ---------------------------------------------------------------- ports

/** A free loopback port (the OS picks it; a tiny race before the caller binds it, fine on a test box). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on host:port (bounded by timeoutMs). */
export function portOpen(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

/**
 * Waits until host:port accepts connections. With `proc`, fails at once (with
 * its last output) if that process exits first.
 */
export async function waitForPort(port: number, options: { what: string; host?: string; proc?: Proc; timeoutMs?: number }): Promise<void> {
  const { what, host = "127.0.0.1", proc, timeoutMs = 60_000 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && !proc.running()) throw new Error(`${what} exited (${proc.child.exitCode ?? proc.child.signalCode}) before listening\n${proc.tail()}`);
    if (await portOpen(port, host)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${host}:${port} within ${timeoutMs / 1000} s${proc ? `\n${proc.tail()}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
