// The start-up warning about a Redis that may evict queued jobs, against real
// redis-server processes of our own (never the shared one: its config stays as it is).
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { startRedisCluster, waitUntil } from "@backline/test-kit";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { warnAboutRedisConfig } from "../src/redis-config.ts";

const servers: ChildProcess[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.kill("SIGKILL");
});

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function redisWith(policy: string): Promise<string> {
  const port = await freePort();
  const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", policy], {
    stdio: "ignore",
  });
  servers.push(server);
  await waitUntil(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => (socket.destroy(), resolve(true)));
        socket.once("error", () => resolve(false));
      }),
    { what: `redis-server on ${port}` },
  );
  return `redis://127.0.0.1:${port}`;
}

/** What the worker would log at start-up, as parsed JSON lines. */
async function warningsFor(redisUrl: string) {
  const lines: { msg: string; policy?: string }[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  await warnAboutRedisConfig(redisUrl, log);
  return lines;
}

describe("warnAboutRedisConfig", () => {
  it("warns, naming the policy and the fix, when Redis may evict keys", async () => {
    const lines = await warningsFor(await redisWith("allkeys-lru"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ policy: "allkeys-lru" });
    expect(lines[0]!.msg).toMatch(/maxmemory-policy is "allkeys-lru"; set it to "noeviction"/);
  });

  it("says nothing when Redis never evicts", async () => {
    expect(await warningsFor(await redisWith("noeviction"))).toEqual([]);
  });

  it("on a Redis Cluster, names each master that may evict", async () => {
    const cluster = await startRedisCluster({ replicas: 0 });
    try {
      const [lax] = cluster.ports;
      const node = new Redis({ host: "127.0.0.1", port: lax });
      await node.config("SET", "maxmemory-policy", "volatile-lru");
      node.disconnect();
      const lines = await warningsFor(cluster.url);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ policy: "volatile-lru", node: `127.0.0.1:${lax}` });
      expect(lines[0]!.msg).toMatch(new RegExp(`Redis node 127\\.0\\.0\\.1:${lax} maxmemory-policy is "volatile-lru"; set it to "noeviction"`));
    } finally {
      await cluster.stop();
    }
  });
});
