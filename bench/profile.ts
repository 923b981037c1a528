// A `node --cpu-prof` profile (.cpuprofile, V8's format) as tables: the
// functions that took the most CPU, by self time and with what they called
// (inclusive), and the same by package (Next, React, pg, ioredis, …). Idle time
// is left out of every share: the shares are of the CPU the process used.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fmtMs, table } from "./stats.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  /** CPU time in the window (every sample but idle), ms. */
  busyMs: number;
  /** Wall time of the window, ms. */
  wallMs: number;
  /** Whether the window could be applied (else: the whole profile, start-up included). */
  windowed: boolean;
  functions: { name: string; where: string; area: string; selfMs: number; totalMs: number }[];
  areas: { area: string; selfMs: number; totalMs: number }[];
}

const SPECIAL: Record<string, string> = {
  "(garbage collector)": "GC",
  "(program)": "V8/native (program)",
  "(idle)": "idle",
  "(root)": "root",
};

/** Where a script comes from, short: a package's name, `node:` internals, or the app's own bundle. */
function areaOf(url: string, functionName: string): string {
  if (SPECIAL[functionName]) return SPECIAL[functionName];
  if (!url) return "native";
  if (url.startsWith("node:")) return "node internals";
  const file = url.replace(/^file:\/\//, "");
  const nm = file.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = file.slice(nm + "/node_modules/".length).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    // Next ships React, its server runtimes and more precompiled under next/dist/compiled.
    if (pkg === "next" && rest[2] === "compiled") return `next (compiled ${rest[3]})`;
    return pkg;
  }
  if (file.includes("/.next/server/")) return "app bundle (.next/server)";
  return path.basename(file);
}

function whereOf(url: string, line: number): string {
  if (!url) return "";
  const file = url.replace(/^file:\/\//, "");
  const nm = file.lastIndexOf("/node_modules/");
  const short = nm >= 0 ? file.slice(nm + "/node_modules/".length) : file.includes("/.next/") ? file.slice(file.indexOf("/.next/") + 1) : path.basename(file);
  return `${short}:${line + 1}`;
}

/**
 * `window`: only samples taken between these two instants (µs of the monotonic clock, which V8's profile
 * timestamps and Node's process.hrtime share on Linux), so the process's start-up and warm-up are left out.
 */
export function summarizeProfile(file: string, window?: { fromUs: number; toUs: number }, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) byId.set(n.id, n);
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const key = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"}\u0000${n.callFrame.url}\u0000${n.callFrame.lineNumber}`;
  const fnSelf = new Map<string, number>();
  const fnTotal = new Map<string, number>();
  const areaSelf = new Map<string, number>();
  const areaTotal = new Map<string, number>();
  const info = new Map<string, { name: string; where: string; area: string }>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const stackCache = new Map<number, { fns: string[]; areas: string[] }>();
  const stackOf = (id: number) => {
    let s = stackCache.get(id);
    if (s) return s;
    const fns = new Set<string>();
    const areas = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at)!;
      if (n.callFrame.functionName === "(root)") continue;
      const k = key(n);
      fns.add(k);
      const area = areaOf(n.callFrame.url, n.callFrame.functionName);
      areas.add(area);
      if (!info.has(k)) info.set(k, { name: n.callFrame.functionName || "(anonymous)", where: whereOf(n.callFrame.url, n.callFrame.lineNumber), area });
    }
    s = { fns: [...fns], areas: [...areas] };
    stackCache.set(id, s);
    return s;
  };

  let busyUs = 0;
  const { samples, timeDeltas } = profile;
  const at: number[] = [];
  for (let i = 0, t = profile.startTime; i < samples.length; i++) at.push((t += timeDeltas[i] ?? 0));
  const inWindow = window ? samples.map((_, i) => at[i]! >= window.fromUs && at[i]! <= window.toUs) : null;
  const windowed = Boolean(inWindow?.some(Boolean));
  for (let i = 0; i < samples.length; i++) {
    if (windowed && !inWindow![i]) continue;
    // timeDeltas[i] is the time since the previous sample: the time up to sample i is charged to sample i - 1's stack.
    const us = timeDeltas[i + 1] ?? 0;
    const node = byId.get(samples[i]!)!;
    if (node.callFrame.functionName === "(idle)") continue;
    busyUs += us;
    const k = key(node);
    const { fns, areas } = stackOf(node.id);
    add(fnSelf, k, us);
    add(areaSelf, areaOf(node.callFrame.url, node.callFrame.functionName), us);
    for (const f of fns) add(fnTotal, f, us);
    for (const a of areas) add(areaTotal, a, us);
  }
  const functions = [...fnSelf.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => ({ ...info.get(k)!, selfMs: us / 1000, totalMs: (fnTotal.get(k) ?? us) / 1000 }));
  const areas = [...areaSelf.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([area, us]) => ({ area, selfMs: us / 1000, totalMs: (areaTotal.get(area) ?? us) / 1000 }));
  const wallUs = windowed ? window!.toUs - window!.fromUs : profile.endTime - profile.startTime;
  return { busyMs: busyUs / 1000, wallMs: wallUs / 1000, windowed, functions, areas };
}

/** The tables, with shares of the busy time and, given the requests answered meanwhile, CPU per request. */
export function formatProfile(p: ProfileSummary, requests: number): string[] {
  const pct = (ms: number) => `${((ms / p.busyMs) * 100).toFixed(1)} %`;
  const perReq = (ms: number) => `${((ms / Math.max(1, requests)) * 1000).toFixed(0)} µs`;
  return [
    `  ${p.windowed ? "during the timed run" : "whole profile, start-up included (the run's window could not be matched)"}: busy ${fmtMs(p.busyMs)} of ${fmtMs(p.wallMs)}; ${requests} requests answered meanwhile → ${perReq(p.busyMs)} of CPU each on the main thread (the profile does not see GC helper or libuv threads)`,
    "  Top functions by self time (inclusive = with everything they called; shares of busy time):",
    table(
      ["function", "where", "self", "self/req", "inclusive"],
      p.functions.map((f) => [f.name.slice(0, 48), f.where.slice(0, 80), pct(f.selfMs), perReq(f.selfMs), pct(f.totalMs)]),
    ),
    "  By package (self: time in its own code; inclusive: time with it on the stack):",
    table(
      ["package / area", "self", "self/req", "inclusive"],
      p.areas.slice(0, 20).map((a) => [a.area, pct(a.selfMs), perReq(a.selfMs), a.area === "GC" || a.area.startsWith("V8") ? "" : pct(a.totalMs)]),
    ),
  ];
}
