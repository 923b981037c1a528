// `npm run test:redis-cluster` (a step of `npm test`): the integration tests of
// everything Backline does in Redis, run again against a Redis Cluster — 3
// masters and 3 replicas of our own on free loopback ports (@backline/test-kit's
// startRedisCluster), stopped and removed at the end, also on failure or Ctrl-C.
// The tests get REDIS_CLUSTER_NODES (what a deployment sets) and REDIS_URL as the
// cluster's address (what the apps make of it), so their own connections, the
// web app they run in-process and the workers they spawn all use the cluster,
// and their queue prefixes carry a hash tag (uniqueQueuePrefix).
import path from "node:path";
import { exitCleanlyOnSignals, repoRoot, runCleanup, startProcess, startRedisCluster } from "@backline/test-kit";

/** Which tests, per workspace: queues, live updates (pub/sub) and cancels, the limiters, the reconciler. */
const RUNS: { workspace: string; files: string[]; only?: string; what: string }[] = [
  { workspace: "packages/queue", files: ["test/enqueue.int.test.ts", "test/queues.int.test.ts"], what: "queues and enqueue" },
  { workspace: "packages/report-service", files: ["test/update-hub.int.test.ts"], what: "live updates (sharded pub/sub)" },
  {
    workspace: "apps/web",
    files: ["test/rate-limits.int.test.ts", "test/report-stream-limits.int.test.ts"],
    what: "rate limits and stream leases (multi-key scripts)",
  },
  {
    workspace: "apps/worker",
    files: ["test/sign-in-queue.int.test.ts", "test/tracking.int.test.ts"],
    what: "BullMQ's limiters, live progress, cancel across processes",
  },
  { workspace: "apps/worker", files: ["test/recovery.int.test.ts"], only: "reconciler", what: "the reconciler (job liveness)" },
];

const vitest = path.join(repoRoot, "node_modules/vitest/vitest.mjs");
const interrupted = exitCleanlyOnSignals(() => console.error("\n[redis-cluster] stopping the tests and the cluster…"));

const started = Date.now();
const results: { what: string; code: number | null; ms: number }[] = [];
let failure: unknown = null;
try {
  const cluster = await startRedisCluster();
  console.log(`[redis-cluster] 3 masters + 3 replicas on ${cluster.nodes} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const env = { ...process.env, REDIS_CLUSTER_NODES: cluster.nodes, REDIS_URL: cluster.url };
  for (const run of RUNS) {
    if (interrupted()) break;
    console.log(`[redis-cluster] ── ${run.workspace}: ${run.what}`);
    const at = Date.now();
    const proc = startProcess(`vitest ${run.workspace}`, process.execPath, [vitest, "run", ...run.files, ...(run.only ? ["-t", run.only] : [])], {
      cwd: path.join(repoRoot, run.workspace),
      env,
      onLine: (line) => console.log(line),
    });
    const code = await proc.exited;
    await proc.stop();
    results.push({ what: `${run.workspace} (${run.what})`, code, ms: Date.now() - at });
  }
  await cluster.stop();
} catch (err) {
  failure = err;
} finally {
  await runCleanup();
}

for (const r of results) console.log(`[redis-cluster] ${r.code === 0 ? "PASS" : "FAIL"} ${r.what} in ${(r.ms / 1000).toFixed(0)} s`);
if (failure) console.error(`[redis-cluster] ${(failure as Error).stack ?? String(failure)}`);
const ok = !failure && results.length === RUNS.length && results.every((r) => r.code === 0);
console.log(`[redis-cluster] ${ok ? "PASSED" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(ok ? 0 : 1);
