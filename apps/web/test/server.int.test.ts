// With no proxy in front (TRUSTED_PROXY_HOPS=0) the address limits and the
// download log count is the TCP peer's, whatever X-Forwarded-For says
// (security review #11, section 3). Over real sockets: an http server doing
// what apps/web/server.mjs does before Next (stampForwardedFor) in front of
// the real sign-in route on real Postgres and Redis; then server.mjs itself,
// on the production build, as `npm run start:web` runs it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { deleteQueueKeys, waitUntil } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stampForwardedFor, trustedProxyHops } from "../server/forwarded-for.mjs";
import { clientIp } from "../lib/server/client-ip.ts";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

const PER_IP = 3;
let app: WebApp;
beforeAll(async () => {
  app = await startWebApp({ SIGN_IN_REQUESTS_PER_IP_PER_HOUR: String(PER_IP), TRUSTED_PROXY_HOPS: "0" });
});
afterAll(() => app?.close());

const HOP_BY_HOP = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

/** A real http server: stamps X-Forwarded-For from the socket as server.mjs does, then hands the request to `handle`. */
async function listen(hops: number, handle: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => Promise<void>) {
  const server = http.createServer(async (req, res) => {
    stampForwardedFor(req, hops);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    await handle(req, res, Buffer.concat(chunks)).catch((err: Error) => res.writeHead(500).end(err.message));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const headersOf = (req: http.IncomingMessage) => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  return headers;
};

describe("the client address behind server.mjs", () => {
  it("with no trusted proxy: a spoofed X-Forwarded-For buys no fresh sign-in limit", async () => {
    const server = await listen(0, async (req, res, body) => {
      const response = await app.fetch(req.url!, { method: req.method, headers: headersOf(req), body: body.length ? new Uint8Array(body) : undefined });
      res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "text/plain" }).end(Buffer.from(await response.arrayBuffer()));
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < PER_IP + 2; i++) {
        const response = await fetch(`${server.base}/api/auth/sign-in/magic-link`, {
          method: "POST",
          headers: { origin: APP_URL, "content-type": "application/json", "x-forwarded-for": `198.51.100.${i}, 203.0.113.${i}` },
          body: JSON.stringify({ email: `spoof${i}@example.com` }),
        });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
      expect(statuses).toEqual([...Array(PER_IP).fill(200), 429, 429]);
      expect(await app.db.signInEmail.count({ where: { email: { startsWith: "spoof" } } })).toBe(PER_IP);
    } finally {
      await server.close();
    }
  });

  it("what the app reads: the peer alone with no trusted proxy; the outermost trusted proxy's entry behind N", async () => {
    const seen: Record<number, string[]> = {};
    for (const hops of [0, 1, 2]) {
      const server = await listen(hops, async (req, res) => {
        (seen[hops] ??= []).push(`${req.headers["x-forwarded-for"]} => ${clientIp(headersOf(req), hops)}`);
        res.writeHead(204).end();
      });
      try {
        for (const xff of [undefined, "198.51.100.1", "10.9.9.9, 198.51.100.1"]) await fetch(server.base, { headers: xff ? { "x-forwarded-for": xff } : {} });
      } finally {
        await server.close();
      }
    }
    expect(seen[0]).toEqual(["127.0.0.1 => 127.0.0.1", "127.0.0.1 => 127.0.0.1", "127.0.0.1 => 127.0.0.1"]);
    // One proxy (at 127.0.0.1 here) that appended its client's address: that entry; a request that skipped it counts as the peer.
    expect(seen[1]).toEqual(["127.0.0.1 => 127.0.0.1", "198.51.100.1, 127.0.0.1 => 198.51.100.1", "10.9.9.9, 198.51.100.1, 127.0.0.1 => 198.51.100.1"]);
    expect(seen[2]).toEqual(["127.0.0.1 => 127.0.0.1", "198.51.100.1, 127.0.0.1 => 198.51.100.1", "10.9.9.9, 198.51.100.1, 127.0.0.1 => 10.9.9.9"]);
  });

  it("reads TRUSTED_PROXY_HOPS from the environment, then the repository's .env; refuses nonsense", () => {
    expect(trustedProxyHops({ TRUSTED_PROXY_HOPS: "2" })).toBe(2);
    expect(trustedProxyHops({ TRUSTED_PROXY_HOPS: "" })).toBe(0);
    expect(trustedProxyHops({}, "/")).toBe(0);
    expect(() => trustedProxyHops({ TRUSTED_PROXY_HOPS: "one" })).toThrow(/TRUSTED_PROXY_HOPS: must be a whole number from 0 to 10/);
    expect(() => trustedProxyHops({ TRUSTED_PROXY_HOPS: "11" })).toThrow(/TRUSTED_PROXY_HOPS/);
  });
});

const webDir = path.resolve(import.meta.dirname, "..");

// turbo runs the web tests after its build (turbo.json), so the production server is always there to start.
describe("server.mjs, the production server", () => {
  it("serves the app, counts limits by the TCP peer whatever X-Forwarded-For says, and stops on SIGTERM", async () => {
    if (!existsSync(path.join(webDir, ".next/BUILD_ID"))) throw new Error("this test starts the production server: run `npm run build` first");
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(process.execPath, ["server.mjs", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: webDir,
      // Its own counters (the tests above spent 127.0.0.1's); -p wins over PORT, as with `next start`.
      env: { ...process.env, QUEUE_PREFIX: `${app.prefix}-server`, PORT: "1", SIGN_IN_REQUESTS_PER_IP_PER_HOUR: "2", TRUSTED_PROXY_HOPS: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await waitUntil(
        () =>
          fetch(`http://127.0.0.1:${port}/sign-in`).then(
            (r) => r.status === 200,
            () => false,
          ),
        { what: `server.mjs to answer (${output.slice(-500)})`, intervalMs: 250 },
      );
      const statuses: string[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`http://127.0.0.1:${port}/api/auth/sign-in/magic-link`, {
          method: "POST",
          headers: { origin: APP_URL, "content-type": "application/json", "x-forwarded-for": `203.0.113.${i}` },
          body: JSON.stringify({ email: `real-server${i}@example.com` }),
        });
        statuses.push(`${response.status} ${(await response.text()).slice(0, 120)}`);
      }
      expect(
        statuses.map((s) => s.slice(0, 3)),
        statuses.join("\n"),
      ).toEqual(["200", "200", "429"]);
      expect(statuses[2]).toMatch(/sign-in requests per hour from your network address/);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(143);
    await deleteQueueKeys(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", `${app.prefix}-server`);
  });
});
