// More than one web process, on the production build and real processes:
// - two servers (server.mjs, as `npm run start:web` runs it) on one database and
//   one Redis: each remembers verified sessions and tokens (actor-cache.ts), and
//   signing out, removing a user or revoking a token through one is refused by
//   the other at once — long before SESSION_CACHE_SECONDS (set to 300 here, so
//   only the message between them can explain it);
// - WEB_PROCESSES=2: one port, two web processes that both serve it, metrics
//   summed over both whichever answers the scrape, a killed process replaced,
//   SIGTERM stopping all of them with 143.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  TEST_SECRETS,
  createScratchDatabase,
  createSessionCookie,
  deleteQueueKeys,
  freePort,
  startWeb,
  uniqueQueuePrefix,
  waitUntil,
  type Proc,
  type ScratchDatabase,
} from "@backline/test-kit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const METRICS_TOKEN = "metrics-token-for-the-test-0123456789";
const ADMIN = "admin@example.com";
/** What "at once" is allowed to take on a busy test machine; SESSION_CACHE_SECONDS is 300. */
const AT_ONCE_MS = 5000;

let scratch: ScratchDatabase;
let client: pg.Client;
let prefix: string;
const started: Proc[] = [];

beforeAll(async () => {
  if (!existsSync(path.resolve(import.meta.dirname, "../.next/BUILD_ID"))) throw new Error("this test starts the production server: run `npm run build` first");
  scratch = await createScratchDatabase();
  client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  prefix = uniqueQueuePrefix("web-processes");
}, 180_000);

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  await client?.end();
  await deleteQueueKeys(REDIS_URL, prefix);
  await scratch?.drop();
});

async function server(name: string, env: Record<string, string>): Promise<{ url: string; proc: Proc }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Every server of the test answers for the same site (APP_URL), as behind one load balancer.
  const proc = await startWeb(
    {
      databaseUrl: scratch.url,
      redisUrl: REDIS_URL,
      queuePrefix: prefix,
      reportsDir: path.join(os.tmpdir(), "backline-web-processes-reports"),
      appUrl: SITE,
    },
    port,
    { name, env: { ADMIN_EMAILS: ADMIN, METRICS_TOKEN, ...env }, graceMs: 10_000 },
  );
  started.push(proc);
  return { url, proc };
}
const SITE = "http://127.0.0.1:3999";

const as = (cookie: string) => ({ cookie, origin: SITE });
const status = async (url: string, init: RequestInit = {}) => {
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return response.status;
};
/** Polls until `url` answers 401, within AT_ONCE_MS; answers how long it took. */
async function refusedWithin(url: string, headers: Record<string, string>): Promise<number> {
  const t0 = Date.now();
  await waitUntil(async () => (await status(url, { headers })) === 401, { what: `${url} to answer 401`, timeoutMs: AT_ONCE_MS, intervalMs: 50 });
  return Date.now() - t0;
}

describe("two web servers, one database and one Redis", () => {
  let a: string;
  let b: string;
  beforeAll(async () => {
    [{ url: a }, { url: b }] = await Promise.all([server("web-a", { SESSION_CACHE_SECONDS: "300" }), server("web-b", { SESSION_CACHE_SECONDS: "300" })]);
  }, 120_000);

  it("each remembers a verified session: a row deleted by hand is still honoured (for at most SESSION_CACHE_SECONDS)", async () => {
    let n = 0;
    let cookie = "";
    // Memory answers once the process's subscription to revocations is live (it starts with the process).
    await waitUntil(
      async () => {
        cookie = await createSessionCookie(client, `kept${n++}@example.com`, TEST_SECRETS.AUTH_SECRET);
        expect(await status(`${b}/api/reports`, { headers: as(cookie) })).toBe(200);
        const token = decodeURIComponent(cookie.split("=")[1]!).split(".")[0]!;
        await client.query("delete from sessions where token = $1", [token]);
        return (await status(`${b}/api/reports`, { headers: as(cookie) })) === 200;
      },
      { what: "web-b to answer from memory", timeoutMs: 30_000, intervalMs: 200 },
    );
    // A process that never saw it reads the database: no session.
    expect(await status(`${a}/api/reports`, { headers: as(cookie) })).toBe(401);
  });

  it("signing out through one is refused by the other at once", async () => {
    const cookie = await createSessionCookie(client, "leaving@example.com", TEST_SECRETS.AUTH_SECRET);
    for (const url of [a, b]) expect(await status(`${url}/api/reports`, { headers: as(cookie) })).toBe(200);
    const out = await fetch(`${a}/api/auth/sign-out`, { method: "POST", headers: { ...as(cookie), "content-type": "application/json" }, body: "{}" });
    expect(out.status, await out.text()).toBe(200);
    expect(await status(`${a}/api/reports`, { headers: as(cookie) })).toBe(401); // its own memory: synchronously
    await refusedWithin(`${b}/api/reports`, as(cookie));
    const post = await status(`${b}/api/reports`, {
      method: "POST",
      headers: { ...as(cookie), "content-type": "application/json" },
      body: '{"type":"sales-summary"}',
    });
    expect(post).toBe(401);
  });

  it("removing a user through one is refused by the other at once, and so is a revoked API token", async () => {
    const admin = await createSessionCookie(client, ADMIN, TEST_SECRETS.AUTH_SECRET);
    const gone = await createSessionCookie(client, "removed@example.com", TEST_SECRETS.AUTH_SECRET);
    expect(await status(`${b}/api/reports`, { headers: as(gone) })).toBe(200);
    const { rows } = await client.query<{ id: string }>("select id::text from users where email = 'removed@example.com'");
    const removed = await fetch(`${a}/api/admin/users/${rows[0]!.id}/remove`, { method: "POST", headers: as(admin) });
    expect(removed.status, await removed.text()).toBe(200);
    await refusedWithin(`${b}/api/reports`, as(gone));

    const owner = await createSessionCookie(client, "programs@example.com", TEST_SECRETS.AUTH_SECRET);
    const created = await fetch(`${a}/api/tokens`, {
      method: "POST",
      headers: { ...as(owner), "content-type": "application/json" },
      body: JSON.stringify({ name: "CI", scopes: ["reports:read"] }),
    });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    const bearer = { authorization: `Bearer ${token}` };
    expect(await status(`${b}/api/reports`, { headers: bearer })).toBe(200);
    expect(await status(`${a}/api/tokens/${id}`, { method: "DELETE", headers: as(owner) })).toBe(204);
    await refusedWithin(`${b}/api/reports`, bearer);
  });
});

/** The members of a process group other than its leader (a cluster's web processes), with their CPU time so far (ms), from /proc. */
function webProcessesOf(pgid: number): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === pgid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(f[2]) === pgid) found.set(Number(entry), (Number(f[11]) + Number(f[12])) * 10);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

describe("WEB_PROCESSES=2: one port, two web processes", () => {
  let url: string;
  let proc: Proc;
  beforeAll(async () => {
    ({ url, proc } = await server("web-cluster", { WEB_PROCESSES: "2" }));
    // The port opens with the first web process; the primary says it is ready once both listen.
    await proc.waitForLine(/Backline web ready on .*2 web processes/, 60_000);
  }, 120_000);

  const metric = async (route: string) => {
    const text = await (await fetch(`${url}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const line = text.split("\n").find((l) => l.startsWith(`backline_http_request_duration_seconds_count{route="${route}",method="GET",status="200"}`));
    return Number(line?.split(" ").pop() ?? 0);
  };

  it("both processes serve the port: metrics are the sum of both, whichever answers", async () => {
    expect(webProcessesOf(proc.pid).size).toBe(2);
    const before = webProcessesOf(proc.pid);
    const requests = 400;
    // New connections each time (no keep-alive): the primary hands them out in turn.
    for (let i = 0; i < requests; i++) expect(await status(`${url}/api/ready`, { headers: { connection: "close" } })).toBe(200);
    const after = webProcessesOf(proc.pid);
    // Each did its share of the work (a /api/ready costs each process well over 20 ms of CPU per 200).
    for (const [pid, cpu] of after) expect(cpu - (before.get(pid) ?? 0), `web process ${pid}`).toBeGreaterThan(20);
    // Asked several times (answered by either process): always everyone's count.
    for (let i = 0; i < 4; i++) expect(await metric("/api/ready")).toBe(requests);
  });

  it("replaces a web process that dies, and keeps serving meanwhile", async () => {
    const [victim] = [...webProcessesOf(proc.pid).keys()];
    process.kill(victim!, "SIGKILL");
    // Once the primary has noticed (a connection handed over just before that dies with it), the other one serves the port.
    await proc.waitForLine(new RegExp(`web process ${victim} exited \\(SIGKILL\\); starting another`), 30_000);
    for (let i = 0; i < 10; i++) expect(await status(`${url}/api/health`, { headers: { connection: "close" } })).toBe(200);
    await waitUntil(
      async () => {
        const now = webProcessesOf(proc.pid);
        return now.size === 2 && !now.has(victim!);
      },
      { what: "a new web process in place of the killed one", timeoutMs: 60_000 },
    );
    // Once the new one listens, both serve again: every web process does some of the work.
    const before = webProcessesOf(proc.pid);
    await waitUntil(
      async () => {
        for (let i = 0; i < 20; i++) expect(await status(`${url}/api/ready`, { headers: { connection: "close" } })).toBe(200);
        const after = webProcessesOf(proc.pid);
        return [...after].every(([pid, cpu]) => cpu - (before.get(pid) ?? 0) > 20);
      },
      { what: "the new web process to take its share", timeoutMs: 60_000 },
    );
  });

  it("stops every process on SIGTERM and exits 143", async () => {
    const pids = [...webProcessesOf(proc.pid).keys()];
    proc.child.kill("SIGTERM"); // the primary only: it tells its web processes
    expect(await proc.exited).toBe(143);
    await waitUntil(async () => pids.every((pid) => !existsSync(`/proc/${pid}`)), { what: "the web processes gone", timeoutMs: 20_000 });
  });
});
