// A Redis Cluster of our own for tests and chaos: 3 masters and 3 replicas,
// each a `redis-server --cluster-enabled yes` on a free loopback port with no
// persistence, under a temp dir, joined by `redis-cli --cluster create …
// --cluster-replicas 1`. Every process is one of processes.ts (own process
// group, stopped on cleanup); stop() stops them all and removes the dir, and
// the cleanup registry does the same on an error or Ctrl-C.
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort, onCleanup, startProcess, waitForPort, type Proc } from "./processes.ts";

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Masters (at least 3: a failover needs a majority of masters to agree). Default 3. */
  masters?: number;
  /** Replicas per master. Default 1. */
  replicas?: number;
  /**
   * cluster-node-timeout: how long a master may be silent before the others
   * count it failed and its replica takes over. Default 3000 (Redis' own: 15000),
   * so a failover takes seconds; far above what a busy 2-core machine delays a ping.
   */
  nodeTimeoutMs?: number;
  /** requirepass (and masterauth) on every node; REDIS_URL then carries it. */
  password?: string;
  /** Where node folders go; default a new temp dir (removed by stop()). */
  dir?: string;
}

export interface RedisCluster {
  /** REDIS_CLUSTER_NODES: every node, `127.0.0.1:<port>,…`. */
  nodes: string;
  /** REDIS_URL to set beside it: the credentials (the host in it is not used). */
  redisUrl: string;
  /** The address createRedis takes (what parseEnv makes of the two). */
  url: string;
  /** The settings a web or worker process needs to use this cluster. */
  env: { REDIS_URL: string; REDIS_CLUSTER_NODES: string };
  ports: number[];
  /** The port of the master that serves `key`'s slot now (as the cluster says). */
  masterOf(key: string): Promise<number>;
  /** The replicas of the master on `port`, as it says (connected ones). */
  replicasOf(port: number): Promise<number[]>;
  /** kill -9 of one node (a crash: no failover handshake, no goodbye); resolves once it exited. */
  kill(port: number): Promise<void>;
  /** Starts a killed node again on its port and folder: it rejoins (as a replica if it was failed over). */
  restart(port: number): Promise<void>;
  /**
   * Waits until every running node reports `cluster_state:ok` with all slots
   * served by running masters, and (`replicated`) every master has a connected
   * replica in sync. Resolves to how long that took.
   */
  waitHealthy(options?: { timeoutMs?: number; replicated?: boolean }): Promise<number>;
  running(port: number): boolean;
  /** Stops every node and removes the folder (also done by the cleanup registry). */
  stop(): Promise<void>;
}

interface NodeState {
  port: number;
  dir: string;
  proc: Proc | null;
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 3000;
  const { password } = options;
  const ownDir = !options.dir;
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), "backline-redis-cluster-")));
  const forgetDir = ownDir ? onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true })) : () => {};
  const nodes: NodeState[] = [];
  const clients = new Map<number, Redis>();

  const client = (port: number) => {
    let c = clients.get(port);
    if (!c) {
      c = new Redis({ host: "127.0.0.1", port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
      c.on("error", () => {});
      clients.set(port, c);
    }
    return c;
  };
  const ask = async (port: number, ...args: string[]): Promise<unknown> => {
    const c = client(port);
    if (c.status === "end" || c.status === "close") {
      clients.delete(port);
      c.disconnect();
      return ask(port, ...args);
    }
    if (c.status === "wait") await c.connect();
    return c.call(args[0]!, ...args.slice(1));
  };

  const spawnNode = async (node: NodeState) => {
    const args = [
      "--port",
      String(node.port),
      "--bind",
      "127.0.0.1",
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      "nodes.conf",
      "--cluster-node-timeout",
      String(nodeTimeoutMs),
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      node.dir,
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
      ...(password ? ["--requirepass", password, "--masterauth", password] : []),
    ];
    node.proc = startProcess(`redis-cluster-${node.port}`, "redis-server", args, { cwd: node.dir, env: process.env, graceMs: 5000 });
    await waitForPort(node.port, { what: `redis-server (cluster node ${node.port})`, proc: node.proc, timeoutMs: 20_000 });
  };

  const stopAll = async () => {
    process.off("exit", killOnExit);
    for (const c of clients.values()) c.disconnect();
    clients.clear();
    await Promise.all(nodes.map((n) => n.proc?.stop()));
  };
  // The last resort when the process ends without stop() or the cleanup registry (a test runner that exits after
  // a hook timed out, an uncaught error): the nodes are in process groups of their own and would outlive it.
  const killOnExit = () => {
    for (const n of nodes) if (n.proc?.running()) n.proc.signal("SIGKILL");
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", killOnExit);

  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePort();
      const nodeDir = path.join(dir, String(port));
      await mkdir(nodeDir, { recursive: true });
      nodes.push({ port, dir: nodeDir, proc: null });
    }
    await Promise.all(nodes.map(spawnNode));
    await run(
      "redis-cli",
      [
        ...(password ? ["-a", password, "--no-auth-warning"] : []),
        "--cluster",
        "create",
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        "--cluster-replicas",
        String(replicas),
        "--cluster-yes",
      ],
      { timeout: 60_000 },
    ).catch((err: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`redis-cli --cluster create failed: ${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}`);
    });
  } catch (err) {
    await stopAll();
    if (ownDir) {
      forgetDir();
      await rm(dir, { recursive: true, force: true });
    }
    throw err;
  }

  const ports = nodes.map((n) => n.port);
  const byPort = (port: number) => {
    const node = nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no cluster node on port ${port}`);
    return node;
  };
  const running = (port: number) => byPort(port).proc?.running() ?? false;
  const anyRunning = () => {
    const node = nodes.find((n) => n.proc?.running());
    if (!node) throw new Error("no cluster node is running");
    return node.port;
  };

  /** CLUSTER SLOTS as asked of a running node: [start, end, masterPort, replicaPorts]. */
  const slots = async (port = anyRunning()) =>
    ((await ask(port, "CLUSTER", "SLOTS")) as [number, number, [string, number, string], ...[string, number, string][]][]).map(
      ([start, end, master, ...reps]) => ({ start, end, master: master[1], replicas: reps.map((r) => r[1]) }) as const,
    );

  const healthy = async (replicated: boolean): Promise<boolean> => {
    const live = nodes.filter((n) => n.proc?.running());
    for (const n of live) {
      const info = String(await ask(n.port, "CLUSTER", "INFO"));
      if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
    }
    const map = await slots(live[0]!.port);
    if (map.reduce((sum, s) => sum + (s.end - s.start + 1), 0) !== 16384) return false;
    for (const s of map) if (!running(s.master)) return false;
    if (replicated) {
      const masterPorts = [...new Set(map.map((s) => s.master))];
      for (const port of masterPorts) {
        const info = String(await ask(port, "INFO", "replication"));
        const inSync = [...info.matchAll(/^slave\d+:.*state=(\w+)/gm)].filter((m) => m[1] === "online").length;
        if (inSync < replicas) return false;
      }
    }
    return true;
  };

  const cluster: RedisCluster = {
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(","),
    redisUrl: password ? `redis://:${encodeURIComponent(password)}@127.0.0.1:${ports[0]}` : `redis://127.0.0.1:${ports[0]}`,
    url: `redis://${password ? `:${encodeURIComponent(password)}@` : ""}${ports.map((p) => `127.0.0.1:${p}`).join(",")}`,
    env: { REDIS_URL: "", REDIS_CLUSTER_NODES: "" },
    ports,
    async masterOf(key) {
      const slot = Number(await ask(anyRunning(), "CLUSTER", "KEYSLOT", key));
      const owner = (await slots()).find((s) => slot >= s.start && slot <= s.end);
      if (!owner) throw new Error(`no master serves slot ${slot}`);
      return owner.master;
    },
    async replicasOf(port) {
      const info = String(await ask(port, "INFO", "replication"));
      return [...info.matchAll(/^slave\d+:.*port=(\d+)/gm)].map((m) => Number(m[1]));
    },
    async kill(port) {
      const node = byPort(port);
      clients.get(port)?.disconnect();
      clients.delete(port);
      if (!node.proc?.running()) return;
      node.proc.signal("SIGKILL");
      await node.proc.exited;
      await node.proc.stop(); // unregisters it from the cleanup registry
    },
    async restart(port) {
      const node = byPort(port);
      if (node.proc?.running()) return;
      await spawnNode(node);
    },
    async waitHealthy({ timeoutMs = 60_000, replicated = true } = {}) {
      const started = Date.now();
      for (;;) {
        const ok = await healthy(replicated).catch(() => false);
        if (ok) return Date.now() - started;
        if (Date.now() - started > timeoutMs) throw new Error(`the Redis Cluster on ${cluster.nodes} was not healthy within ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    running,
    async stop() {
      await stopAll();
      if (ownDir) {
        forgetDir();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
  cluster.env = { REDIS_URL: cluster.redisUrl, REDIS_CLUSTER_NODES: cluster.nodes };
  try {
    await cluster.waitHealthy({ timeoutMs: 30_000 });
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
