// REDIS_URL alone carries everything a production Redis needs: a password, an
// ACL user, TLS (rediss://). A throwaway redis-server with TLS and auth, and a
// child process (NODE_EXTRA_CA_CERTS is read at start-up) that enqueues
// through the producer connection and reads the job back.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
let tlsPort: number;
let plainPort: number;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

function openssl(...args: string[]) {
  const run = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr}`);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "backline-redis-tls-"));
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=backline-test-ca");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  await writeFile(path.join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
  openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "1",
    "-extfile",
    "ext.cnf",
  );
  [tlsPort, plainPort] = [await freePort(), await freePort()];
  await writeFile(path.join(dir, "users.acl"), "user default on >defaultpw ~* &* +@all\nuser backline on >apppw ~* &* +@all\n");
  const server = spawnSync(
    "redis-server",
    [
      "--port",
      String(plainPort),
      "--tls-port",
      String(tlsPort),
      "--bind",
      "127.0.0.1",
      "--tls-cert-file",
      "server.crt",
      "--tls-key-file",
      "server.key",
      "--tls-ca-cert-file",
      "ca.crt",
      "--tls-auth-clients",
      "no",
      "--aclfile",
      path.join(dir, "users.acl"),
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "yes",
      "--pidfile",
      path.join(dir, "redis.pid"),
      "--logfile",
      path.join(dir, "redis.log"),
    ],
    { cwd: dir, encoding: "utf8" },
  );
  if (server.status !== 0) throw new Error(`redis-server did not start: ${server.stderr}${server.stdout}`);
});

afterAll(async () => {
  spawnSync("redis-cli", ["-p", String(plainPort), "--user", "default", "--pass", "defaultpw", "--no-auth-warning", "shutdown", "nosave"]);
  await rm(dir, { recursive: true, force: true });
});

/** Runs a snippet with @backline/queue in a fresh process that trusts the test CA. */
function inChild(script: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: path.resolve(import.meta.dirname, ".."),
      env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, "ca.crt") },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });
}

const roundTrip = (url: string) => `
  import { QUEUES, checkRedis, createProducerQueue, createRedis, enqueue } from "./src/index.ts";
  const url = ${JSON.stringify(url)};
  const problem = await checkRedis(url);
  if (problem) { console.log(problem); process.exit(3); }
  const queue = createProducerQueue(QUEUES.reports, { redisUrl: url, prefix: "tls-test" });
  await enqueue(queue, "generate-report", { reportId: "0190f0c2-0000-7000-8000-000000000001" }, { jobId: "0190f0c2-0000-7000-8000-000000000001" });
  const reader = createRedis(url, "worker");
  const job = await reader.hget("tls-test:reports:0190f0c2-0000-7000-8000-000000000001", "data");
  console.log("job data", job);
  await queue.obliterate({ force: true });
  await queue.close();
  reader.disconnect();
  process.exit(0); // the producer's own connection outlives queue.close()
`;

describe("REDIS_URL", () => {
  it("works over TLS (rediss://) with a password", async () => {
    const run = await inChild(roundTrip(`rediss://:defaultpw@127.0.0.1:${tlsPort}`));
    expect(run.out).toContain(`job data {"reportId":"0190f0c2-0000-7000-8000-000000000001"}`);
    expect(run.code).toBe(0);
  }, 30_000);

  it("works with an ACL user and password", async () => {
    const run = await inChild(roundTrip(`redis://backline:apppw@127.0.0.1:${plainPort}`));
    expect(run.out).toContain("job data");
    expect(run.code).toBe(0);
  }, 30_000);

  it("names REDIS_URL, without the password, when the password is wrong", async () => {
    const run = await inChild(roundTrip(`redis://backline:wrong@127.0.0.1:${plainPort}`));
    expect(run.code).toBe(3);
    expect(run.out).toMatch(/^Cannot reach Redis at REDIS_URL=redis:\/\/backline:\*\*\*@127\.0\.0\.1:\d+/);
    expect(run.out).not.toContain("wrong");
  }, 30_000);
});
