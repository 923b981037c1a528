// Prometheus metrics of the production web server: request duration by route,
// method and status, and the process's own (CPU, memory, event-loop lag). Kept
// in prom-client's default registry, which the /api/metrics route serves (the
// route loads prom-client from node_modules, not bundled, so both share it).
// The route label is Next's route pattern ("/api/reports/[id]"), read from the
// build's routes manifest: a bounded set, never an id or an address.
//
// With several web processes (WEB_PROCESSES, server/cluster.mjs) a scrape
// reaches one of them, which asks the primary for everyone's (prom-client's
// AggregatorRegistry over the cluster's IPC): counters and histograms summed,
// so a scrape means the whole server whichever process answers it.
import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import path from "node:path";
import client from "prom-client";

/** Up to 300 s: a live status stream is one long request. */
const BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The route pattern a path is served by, from `.next/routes-manifest.json`; "/_next/static" for assets; "unmatched" otherwise. */
function routeLabeller(distDir) {
  const manifest = JSON.parse(readFileSync(path.join(distDir, "routes-manifest.json"), "utf8"));
  const compile = (routes) => routes.map((r) => ({ page: r.page, re: new RegExp(r.regex) }));
  const routes = [...compile(manifest.staticRoutes ?? []), ...compile(manifest.dynamicRoutes ?? [])];
  // A static route's own path is the common case: a lookup instead of trying every pattern.
  const exact = new Map((manifest.staticRoutes ?? []).map((r) => [r.page, r.page]));
  return (url) => {
    const pathname = (url ?? "/").split("?", 1)[0];
    if (pathname.startsWith("/_next/")) return pathname.startsWith("/_next/static/") ? "/_next/static" : "/_next";
    return exact.get(pathname) ?? routes.find((r) => r.re.test(pathname))?.page ?? "unmatched";
  };
}

/** Starts the process metrics and returns the per-request hook. */
export function httpMetrics(distDir) {
  client.collectDefaultMetrics({ prefix: "backline_web_" });
  const label = routeLabeller(distDir);
  const duration = new client.Histogram({
    name: "backline_http_request_duration_seconds",
    help: "Time from request to the end of the response, by route pattern, method and status.",
    labelNames: ["route", "method", "status"],
    buckets: BUCKETS,
  });
  return (req, res) => {
    const started = process.hrtime.bigint();
    res.once("close", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      duration.observe({ route: label(req.url), method: req.method ?? "GET", status: String(res.statusCode) }, seconds);
    });
  };
}

const ASK = "backline:cluster-metrics";
/** Where /api/metrics finds the text to serve, when this is one of several web processes. */
const METRICS_TEXT = Symbol.for("backline.metricsText");

/**
 * In a web process of a cluster: answers the primary's requests for this process's metrics, and lets
 * /api/metrics serve everyone's, which it asks the primary for.
 */
export function clusterMetricsInWorker(timeoutMs = 6000) {
  if (!cluster.isWorker) return;
  new client.AggregatorRegistry(); // installs this process's answer to the primary's requests
  let next = 0;
  /** @type {Map<number, (reply: { text?: string, error?: string }) => void>} */
  const waiting = new Map();
  process.on("message", (message) => {
    if (message?.type === ASK && waiting.has(message.id)) waiting.get(message.id)(message);
  });
  globalThis[METRICS_TEXT] = () =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => done({ error: "the primary did not answer" }), timeoutMs);
      const done = (reply) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (reply.text !== undefined) resolve(reply.text);
        else reject(new Error(`cluster metrics: ${reply.error}`));
      };
      waiting.set(id, done);
      process.send?.({ type: ASK, id });
    });
}

/** In the primary: gathers every web process's metrics for the one that asks. */
export function clusterMetricsInPrimary() {
  const aggregator = new client.AggregatorRegistry();
  cluster.on("message", (worker, message) => {
    if (message?.type !== ASK) return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: ASK, id: message.id, text }),
      (err) => worker.isConnected() && worker.send({ type: ASK, id: message.id, error: err.message }),
    );
  });
}
