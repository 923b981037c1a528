// CPU time of a process group, from /proc: what a web server spent on a run of
// requests, whatever the load generator beside it did. Every process the bench
// starts leads its own process group (test-kit's startProcess), so the group is
// the server and everything it forked (cluster workers included).
import { execFileSync } from "node:child_process";
import fs from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ; 100 on every Linux we know of). */
const TICKS_PER_S = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface GroupCpu {
  /** utime + stime (+ cutime + cstime of reaped children) summed over the group's live processes, in ms. */
  ms: number;
  /** The group's processes (pid → command name as /proc/<pid>/stat gives it). */
  processes: Map<number, string>;
}

/** CPU used so far by every process whose process group is `pgid`. */
export function groupCpu(pgid: number): GroupCpu {
  let ticks = 0;
  const processes = new Map<number, string>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited between listing and reading
    }
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
    const close = stat.lastIndexOf(")");
    const f = stat.slice(close + 2).split(" ");
    if (Number(f[2]) !== pgid) continue;
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    processes.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
  }
  return { ms: (ticks * 1000) / TICKS_PER_S, processes };
}

export interface CpuWindow {
  /** CPU the group used in the window, in ms. */
  ms: number;
  /** Wall time of the window, in ms. */
  wallMs: number;
  /** Processes in the group at the end of the window. */
  processes: number;
}

/** Starts a window; `end()` answers the group's CPU over it. */
export function cpuWindow(pgid: number): { end(): CpuWindow } {
  const start = groupCpu(pgid).ms;
  const t0 = performance.now();
  return {
    end() {
      const now = groupCpu(pgid);
      return { ms: now.ms - start, wallMs: performance.now() - t0, processes: now.processes.size };
    },
  };
}

/** The group's CPU while nothing is asked of it (timers, metrics, connections' keep-alives), in ms per second. */
export async function idleCpuRate(pgid: number, ms = 3000): Promise<number> {
  const w = cpuWindow(pgid);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const { ms: used, wallMs } = w.end();
  return (used / wallMs) * 1000;
}

/** CPU per request of a run: the window's CPU less what the group spends idle over that time, over the requests answered. */
export function cpuPerRequest(window: CpuWindow, requests: number, idleMsPerS: number): number {
  return Math.max(0, window.ms - (idleMsPerS * window.wallMs) / 1000) / Math.max(1, requests);
}
