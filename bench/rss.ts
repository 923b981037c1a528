// Peak memory of a process *and its descendants* (e.g. `next start` runs the
// server in a child process, so the pid we spawn is not the one that grows).
//
// Two figures, because neither alone is honest:
// - hwmKiB: the sum over the tree of each process's VmHWM (the kernel's own
//   lifetime peak RSS). Exact per process, but the peaks may not have
//   happened at the same moment, so the sum is an upper bound for the tree.
// - sampledKiB: the largest sum of VmRSS seen at any one sample (every
//   `intervalMs`). A real simultaneous figure, but it can miss a short spike.
import fs from "node:fs";

export interface RssPeak {
  /** Sum of per-process VmHWM over every process seen in the tree (KiB). */
  hwmKiB: number;
  /** Largest simultaneous VmRSS sum seen while sampling (KiB). */
  sampledKiB: number;
  /** Processes seen (pid → command name), for the report. */
  processes: Map<number, string>;
}

/** Name, VmRSS and VmHWM (KiB) of a process, or null if it is gone. */
export function readStatus(pid: number): { name: string; rss: number; hwm: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
    return { name: /^Name:\s+(.*)$/m.exec(text)?.[1] ?? "?", rss: field("VmRSS"), hwm: field("VmHWM") };
  } catch {
    return null; // exited between listing and reading
  }
}

/** Every live pid whose ancestry includes `root` (and root itself). */
export function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name is in parentheses and may contain spaces; ppid follows the closing one.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // raced with an exit
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parentOf) if (ppid === tree[i] && !tree.includes(pid)) tree.push(pid);
  }
  return tree.filter((pid) => parentOf.has(pid));
}

export interface RssSampler {
  /** Takes a last sample (call while the processes still run) and stops. */
  stop(): RssPeak;
  peek(): RssPeak;
}

/** Samples the tree under `root` until stop(). Bounded by the lifetime of the process. */
export function sampleRss(root: number, intervalMs = 250): RssSampler {
  const hwm = new Map<number, number>();
  const processes = new Map<number, string>();
  let sampledKiB = 0;
  // Walking /proc for the tree costs ~1 ms of synchronous work, and this runs
  // inside the load generator's process, where a blocked event loop would show
  // up as request latency. The tree rarely changes, so rescan it only every
  // 2 s (and on the final sample); reading a few status files is cheap.
  let tree: number[] = [];
  let treeAt = 0;
  const sample = (rescan = false) => {
    if (rescan || Date.now() - treeAt >= 2000) {
      tree = processTree(root);
      treeAt = Date.now();
    }
    let total = 0;
    for (const pid of tree) {
      const s = readStatus(pid);
      if (!s) continue;
      total += s.rss;
      processes.set(pid, s.name);
      // VmHWM only grows, so the latest reading is the peak so far; keep the
      // last one read before the process went away.
      hwm.set(pid, Math.max(hwm.get(pid) ?? 0, s.hwm));
    }
    sampledKiB = Math.max(sampledKiB, total);
  };
  sample(true);
  const timer = setInterval(() => sample(), intervalMs);
  timer.unref();
  const peek = (): RssPeak => ({ hwmKiB: [...hwm.values()].reduce((a, b) => a + b, 0), sampledKiB, processes: new Map(processes) });
  return {
    peek,
    stop() {
      clearInterval(timer);
      sample(true);
      return peek();
    },
  };
}
