// Acknowledgement benchmark: how fast the web app answers, bare route vs the
// real POST /api/reports (session lookup + rate-limit counters + validate +
// INSERT + enqueue), open- and closed-loop. The POSTs are signed in, as a
// browser's are: a session cookie (spread over many users, see postTarget)
// and the app's own Origin. The bare route stays an anonymous GET.
import http from "node:http";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { phase } from "./progress.ts";
import { summarize, type LatencySummary } from "./stats.ts";

export interface Target {
  label: string;
  method: "GET" | "POST";
  path: string;
  body?: string;
  /** Statuses that count as success (the API answers 202). */
  expect: number;
  /** Headers added to each request, asked anew per request (a session cookie, the Origin). */
  headers?: () => Record<string, string>;
}

/** The report goes to the signed-in user's address: the body names no recipient. */
export const REPORT_BODY = JSON.stringify({ type: "sales-summary" });
export const POST_LABEL = "POST /api/reports";
export const TARGETS = {
  /** The bare baseline: a Next app with one route handler and no proxy (bench/bare-next), on its own server. */
  bare: { label: "bare Next GET /api/ping", method: "GET", path: "/api/ping", expect: 200 },
  /** Backline's liveness route: a constant answer, but every layer of Backline's server in front of it. */
  health: { label: "GET /api/health", method: "GET", path: "/api/health", expect: 200 },
} satisfies Record<string, Target>;

/**
 * POST /api/reports as signed-in users, the next request with the next
 * user's cookie (round robin) and the app's Origin. Spread over users because
 * that is what the load is — a user may request 10 reports a minute (lifted
 * for the bench, see UNTHROTTLED_LIMITS in @backline/test-kit) — and because one user's requests are
 * serialized on purpose (the per-user in-flight cap takes a lock per user and
 * counts that user's open reports), which would measure one user's queue, not
 * the endpoint.
 */
export function postTarget(appUrl: string, cookies: readonly string[]): Target {
  if (cookies.length === 0) throw new Error("postTarget: no session cookies");
  const origin = new URL(appUrl).origin;
  let next = 0;
  return {
    label: POST_LABEL,
    method: "POST",
    path: "/api/reports",
    body: REPORT_BODY,
    expect: 202,
    headers: () => ({ cookie: cookies[next++ % cookies.length]!, origin }),
  };
}

const REQUEST_TIMEOUT_MS = 10_000;

function headersFor(t: Target): Record<string, string> {
  return { ...(t.body ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(t.body)) } : {}), ...t.headers?.() };
}

/** One request over `agent`; resolves with the status (0 for a network error/timeout), never rejects. */
function request(agent: http.Agent, port: number, t: Target): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, path: t.path, method: t.method, headers: headersFor(t), agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body.length < 2048 ? (body += c) : undefined));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", (err) => resolve({ status: 0, body, error: err.message }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms`)));
    req.on("error", (err) => resolve({ status: 0, body: "", error: err.message }));
    req.end(t.body);
  });
}

/**
 * Warm-up: loads the route module, opens the Prisma pool and the Redis
 * connection, and lets V8 optimise the hot path, so the measured runs see a
 * server in steady state. Also checks the route answers what we expect —
 * benchmarking a 500 would be meaningless.
 */
export async function warmUp(port: number, t: Target, count = 400, concurrency = 8): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const first = await request(agent, port, t);
    if (first.status !== t.expect) throw new Error(`${t.label} answered ${first.status || first.error} (expected ${t.expect}): ${first.body.slice(0, 300)}`);
    let next = 0;
    let bad = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          next += 1;
          const r = await request(agent, port, t);
          if (r.status !== t.expect) bad += 1;
        }
      }),
    );
    if (bad > 0) throw new Error(`${t.label}: ${bad} of ${count} warm-up requests did not answer ${t.expect}`);
  } finally {
    agent.destroy();
  }
}

export interface OpenLoopResult {
  target: string;
  rate: number;
  durationS: number;
  scheduled: number;
  completed: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Successful responses per second over the schedule window (to the last response). */
  achievedRate: number;
  /** Latency from each request's *scheduled* send time to its last response byte. */
  latency: LatencySummary;
  /** Lateness of the load generator itself in sending (should be ~0; it is included in the latencies). */
  maxSendLagMs: number;
  p99SendLagMs: number;
  firstError?: string;
  /** The first non-2xx answer (the first error may be a timeout, which hides what the others said). */
  firstNon2xx?: string;
}

/**
 * Open loop: request i is due at start + i/rate whatever happened to earlier
 * ones, and its latency is counted from that due time. A slow response
 * therefore cannot "pause" the load (coordinated omission): if the server
 * stalls, every request due meanwhile is charged the wait. Bounded by
 * construction: exactly rate × durationS requests, plus a drain wait capped
 * at the request timeout.
 */
export async function openLoop(port: number, t: Target, rate: number, durationS: number): Promise<OpenLoopResult> {
  // Plenty of sockets so queueing happens in the server, not in the agent.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024 });
  const total = Math.round(rate * durationS);
  const intervalMs = 1000 / rate;
  const latencies: number[] = [];
  let completed = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let firstError: string | undefined;
  let firstNon2xx: string | undefined;
  const sendLags: number[] = [];
  let lastDone = 0;
  const bar = phase(`ack open-loop ${t.label}`, total, "req", `${rate} req/s × ${durationS} s`);

  const start = performance.now() + 20;
  let sent = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));

  const fire = (i: number) => {
    const due = start + i * intervalMs;
    sendLags.push(performance.now() - due);
    void request(agent, port, t).then((r) => {
      const now = performance.now();
      lastDone = now;
      completed += 1;
      if (r.status === t.expect) {
        ok += 1;
        latencies.push(now - due);
      } else if (r.status === 0) {
        errors += 1;
        firstError ??= r.error;
      } else {
        non2xx += 1;
        firstError ??= `HTTP ${r.status}: ${r.body.slice(0, 200)}`;
        firstNon2xx ??= `HTTP ${r.status}: ${r.body.slice(0, 200)}`;
      }
      if (completed % 100 === 0) bar.update(completed);
      if (completed === total) allDone();
    });
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Send everything that is due (catches up if a timer fired late).
      while (sent < total && start + sent * intervalMs <= now) fire(sent++);
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
    };
    setTimeout(tick, 20);
  });
  await Promise.race([finished, new Promise((r) => setTimeout(r, REQUEST_TIMEOUT_MS + 1000))]);
  agent.destroy();
  bar.done();

  const windowS = ((lastDone || performance.now()) - start) / 1000;
  // Anything still outstanding after the drain wait is counted as an error.
  errors += total - completed;
  return {
    target: t.label,
    rate,
    durationS,
    scheduled: total,
    completed,
    ok,
    non2xx,
    errors,
    achievedRate: ok / Math.max(windowS, durationS),
    latency: summarize(latencies),
    maxSendLagMs: summarize(sendLags).max,
    p99SendLagMs: summarize(sendLags).p99,
    firstError,
    firstNon2xx,
  };
}

/**
 * Waits until the server has worked off what an earlier run left it (an
 * overloaded open loop gives up on requests the server still answers, later):
 * three GETs of `probe` (GET /api/health) in a row answered within 50 ms, or `timeoutMs`.
 * Answers how long that took.
 */
export async function quiesce(port: number, probe: Target = TARGETS.health, timeoutMs = 60_000): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const started = performance.now();
  try {
    for (let fast = 0; fast < 3 && performance.now() - started < timeoutMs; ) {
      const t0 = performance.now();
      const r = await request(agent, port, probe);
      fast = r.status === probe.expect && performance.now() - t0 < 50 ? fast + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return performance.now() - started;
  } finally {
    agent.destroy();
  }
}

export interface ClosedLoopResult {
  target: string;
  connections: number;
  durationS: number;
  requests: number;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

/**
 * Closed loop: `connections` clients each send their next request as soon as
 * the previous answer arrives — this finds the saturation throughput. (Its
 * latencies are subject to coordinated omission by design; use the open-loop
 * figures for latency.)
 */
export async function closedLoop(port: number, t: Target, connections: number, durationS: number): Promise<ClosedLoopResult> {
  const bar = phase(`ack closed-loop ${t.label}`, durationS, "s", `${connections} connections`);
  const started = Date.now();
  const timer = setInterval(() => bar.update(Math.floor((Date.now() - started) / 1000)), 500);
  try {
    const result = await autocannon({
      url: `http://127.0.0.1:${port}${t.path}`,
      connections,
      duration: durationS,
      method: t.method,
      // autocannon computes content-length itself.
      headers: t.body ? { "content-type": "application/json" } : {},
      body: t.body,
      // Per-request headers (the next user's cookie): autocannon rebuilds the request each time.
      ...(t.headers ? { requests: [{ setupRequest: (req) => (Object.assign(req.headers, t.headers!()), req) }] } : {}),
      timeout: REQUEST_TIMEOUT_MS / 1000,
    });
    bar.done();
    const good = result["2xx"];
    return {
      target: t.label,
      connections,
      durationS,
      requests: good,
      rate: good / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
    };
  } finally {
    clearInterval(timer);
  }
}
