// Prometheus metrics of the production web server: request duration by route,
// method and status, and the process's own (CPU, memory, event-loop lag). Kept
// in prom-client's default registry, which the /api/metrics route serves (the
// route loads prom-client from node_modules, not bundled, so both share it).
// The route label is Next's route pattern ("/api/reports/[id]"), read from the
// build's routes manifest: a bounded set, never an id or an address.
import { readFileSync } from "node:fs";
import path from "node:path";
import client from "prom-client";

/** Up to 300 s: a live status stream is one long request. */
const BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The route pattern a path is served by, from `.next/routes-manifest.json`; "/_next/static" for assets; "unmatched" otherwise. */
export function routeLabeller(distDir) {
  const manifest = JSON.parse(readFileSync(path.join(distDir, "routes-manifest.json"), "utf8"));
  const compile = (routes) => routes.map((r) => ({ page: r.page, re: new RegExp(r.regex) }));
  const routes = [...compile(manifest.staticRoutes ?? []), ...compile(manifest.dynamicRoutes ?? [])];
  return (url) => {
    const pathname = (url ?? "/").split("?", 1)[0];
    if (pathname.startsWith("/_next/")) return pathname.startsWith("/_next/static/") ? "/_next/static" : "/_next";
    return routes.find((r) => r.re.test(pathname))?.page ?? "unmatched";
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
