// Metrics checked by a real Prometheus (Debian's): the production web server
// (server.mjs) and a worker process are scraped while a report is made and
// emailed; Prometheus's own HTTP API must then say both targets are up and a
// PromQL rate of sent emails is above zero. The alert rules pass promtool's
// check and unit tests. And no metric label carries an id or an address.
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPrismaClient, seedDemoData } from "@backline/db";
import {
  TEST_SECRETS,
  appEnv,
  createScratchDatabase,
  createSessionCookie,
  deleteQueueKeys,
  freePort,
  repoRoot,
  startProcess,
  startSmtpSink,
  startWeb,
  uniqueQueuePrefix,
  waitForPort,
  waitUntil,
  type Proc,
  type ScratchDatabase,
  type SmtpSink,
} from "@backline/test-kit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const METRICS_TOKEN = "metrics-token-for-the-test-0123456789";
const RULES_DIR = path.join(repoRoot, "ops/prometheus");

let scratch: ScratchDatabase;
let smtp: SmtpSink;
let dir: string;
let prefix: string;
let web: Proc;
let worker: Proc;
let prometheus: Proc;
let appUrl: string;
let workerMetricsUrl: string;
let promUrl: string;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  const db = createPrismaClient(scratch.url);
  await seedDemoData(db, { customers: 20, orders: 2000 });
  await db.$disconnect();
  smtp = await startSmtpSink({ keep: "headers" });
  dir = await mkdtemp(path.join(os.tmpdir(), "backline-prometheus-"));
  prefix = uniqueQueuePrefix("prometheus");
  const [webPort, workerPort, promPort] = [await freePort(), await freePort(), await freePort()];
  appUrl = `http://127.0.0.1:${webPort}`;
  workerMetricsUrl = `http://127.0.0.1:${workerPort}`;
  promUrl = `http://127.0.0.1:${promPort}`;
  const stack = { databaseUrl: scratch.url, redisUrl: REDIS_URL, queuePrefix: prefix, reportsDir: path.join(dir, "reports"), appUrl, smtpUrl: smtp.url };

  web = await startWeb(stack, webPort, { env: { METRICS_TOKEN } });
  worker = startProcess("worker", process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: path.join(repoRoot, "apps/worker"),
    env: appEnv(stack, { WORKER_METRICS_PORT: String(workerPort), WORKER_METRICS_HOST: "127.0.0.1", WORKER_CONCURRENCY: "1" }),
  });
  await waitForPort(workerPort, { what: "worker metrics", proc: worker });

  const config = path.join(dir, "prometheus.yml");
  await writeFile(
    config,
    [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      `rule_files: ["${path.join(RULES_DIR, "alerts.yml")}"]`,
      "scrape_configs:",
      "  - job_name: backline-web",
      "    metrics_path: /api/metrics",
      `    authorization: { credentials: "${METRICS_TOKEN}" }`,
      `    static_configs: [{ targets: ["127.0.0.1:${webPort}"] }]`,
      "  - job_name: backline-worker",
      `    static_configs: [{ targets: ["127.0.0.1:${workerPort}"] }]`,
    ].join("\n"),
  );
  prometheus = startProcess(
    "prometheus",
    "prometheus",
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${promPort}`],
    { cwd: dir, env: process.env },
  );
  await waitForPort(promPort, { what: "prometheus", proc: prometheus });
}, 180_000);

afterAll(async () => {
  await Promise.all([prometheus?.stop(), worker?.stop(), web?.stop()]);
  await smtp?.close();
  await deleteQueueKeys(REDIS_URL, prefix);
  await scratch?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function promQuery(query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = (await response.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  expect(body.status).toBe("success");
  return body.data.result;
}

describe("Prometheus", () => {
  it("scrapes the web app and a worker (both up) and sees emails sent at a rate above zero while a report goes out", { timeout: 180_000 }, async () => {
    // Scraped once before anything is sent: the counters' series exist at 0, so the first email is a rise.
    await waitUntil(
      async () => {
        const up = await promQuery('up{job=~"backline-(web|worker)"}');
        return up.length === 2 && up.every((s) => s.value[1] === "1");
      },
      { what: "both targets up in Prometheus", timeoutMs: 60_000, intervalMs: 500 },
    );
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    const cookie = await createSessionCookie(client, "metrics@example.com", TEST_SECRETS.AUTH_SECRET);
    await client.end();
    const posted = await fetch(`${appUrl}/api/reports`, {
      method: "POST",
      headers: { cookie, origin: appUrl, "content-type": "application/json" },
      body: JSON.stringify({ type: "sales-summary" }),
    });
    expect(posted.status, `${await posted.clone().text()}\n${web.tail()}`).toBe(202);
    await waitUntil(async () => smtp.accepted.length > 0, { what: "the report's email" });

    const rate = await waitUntil(
      async () => {
        const [sample] = await promQuery('sum(rate(backline_emails_total{result="sent"}[30s]))');
        return sample && Number(sample.value[1]) > 0 ? Number(sample.value[1]) : null;
      },
      { what: "a rate of sent emails above zero", timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(rate).toBeGreaterThan(0);
    const posts = await promQuery('backline_http_request_duration_seconds_count{route="/api/reports",method="POST",status="202"}');
    expect(posts.map((s) => Number(s.value[1]))).toEqual([1]);
  });

  it("the web's metrics need METRICS_TOKEN; no label, web or worker, carries an id or an address", async () => {
    expect((await fetch(`${appUrl}/api/metrics`)).status).toBe(401);
    expect((await fetch(`${appUrl}/api/metrics`, { headers: { authorization: "Bearer wrong-token-wrong-token-wrong" } })).status).toBe(401);
    const texts = [
      await (await fetch(`${appUrl}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text(),
      await (await fetch(`${workerMetricsUrl}/metrics`)).text(),
    ];
    for (const text of texts) {
      expect(text).toMatch(/^# HELP /m);
      const labelValues = [...text.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/="([^"]*)"/g)].map((v) => v[1]!));
      expect(labelValues.length).toBeGreaterThan(10);
      const leaks = labelValues.filter((v) => /[0-9a-f]{8}-[0-9a-f]{4}-|@|^\d{4,}$/i.test(v));
      expect(leaks).toEqual([]);
    }
    expect(texts[1]).toMatch(/backline_queue_jobs\{queue="reports",state="waiting"\}/);
    expect(texts[1]).toMatch(/backline_job_duration_seconds_bucket\{le="300",queue="reports",job="generate-report",outcome="completed"\}/);
  });

  it("one id from click to email: the POST's X-Request-Id is stored with the report and in the web's and the worker's log lines about it", async () => {
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    const cookie = await createSessionCookie(client, "trace@example.com", TEST_SECRETS.AUTH_SECRET);
    const posted = await fetch(`${appUrl}/api/reports`, {
      method: "POST",
      headers: { cookie, origin: appUrl, "content-type": "application/json", "x-request-id": "chosen-by-the-client-1234" },
      body: JSON.stringify({ type: "sales-summary" }),
    });
    expect(posted.status).toBe(202);
    const requestId = posted.headers.get("x-request-id")!;
    // With no trusted proxy in front, the id is the server's own, whatever the client sent.
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const { id } = (await posted.json()) as { id: string };
    const { rows } = await client.query<{ request_id: string }>("select request_id from reports where id = $1", [id]);
    await client.end();
    expect(rows[0]?.request_id).toBe(requestId);
    const webLine = JSON.parse(await web.waitForLine(new RegExp(`"requestId":"${requestId}".*"msg":"report accepted"`), 30_000)) as Record<string, unknown>;
    expect(webLine).toMatchObject({ requestId, reportId: id });
    const workerLine = JSON.parse(await worker.waitForLine(new RegExp(`"requestId":"${requestId}".*"msg":"report emailed"`), 60_000)) as Record<
      string,
      unknown
    >;
    expect(workerLine).toMatchObject({ requestId, reportId: id, attempt: 1, jobId: id });
    // Addresses stay out of the log.
    expect(`${web.tail()}\n${worker.tail()}`).not.toContain("trace@example.com");
  });

  it("worker probes: /healthz alive, /readyz ready", async () => {
    expect((await fetch(`${workerMetricsUrl}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${workerMetricsUrl}/readyz`)).text()).toBe("ready\n");
    const ready = await fetch(`${appUrl}/api/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, problems: [] });
  });

  it("every query of the Grafana dashboard is PromQL that Prometheus accepts", async () => {
    const dashboard = JSON.parse(await readFile(path.join(repoRoot, "ops/grafana/backline-dashboard.json"), "utf8")) as {
      panels: { targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(8);
    for (const expr of exprs) {
      const response = await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`);
      expect(response.status, expr).toBe(200);
    }
  });

  it("the alert rules pass promtool's check and their unit tests", () => {
    for (const args of [
      ["check", "rules", "alerts.yml"],
      ["test", "rules", "alerts.test.yml"],
    ]) {
      const run = spawnSync("promtool", args, { cwd: RULES_DIR, encoding: "utf8" });
      expect(run.status, run.stdout + run.stderr).toBe(0);
    }
  });
});
