// GET /api/metrics — Prometheus metrics of this web server (apps/web/server/http-metrics.mjs
// fills them; every web process's, summed, when there are several), for a bearer of METRICS_TOKEN;
// 404 when no token is set, as if the route did not exist.
import { timingSafeEqual } from "node:crypto";
import client from "prom-client";
import { webEnv } from "@/lib/server/env";
import { jsonError } from "@/lib/server/http";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const token = webEnv().METRICS_TOKEN;
  if (!token) return jsonError(404, "Not found");
  const given = Buffer.from(/^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1] ?? "");
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return jsonError(401, "Metrics need Authorization: Bearer <METRICS_TOKEN>", [], { "WWW-Authenticate": 'Bearer realm="metrics"' });
  }
  // One of several web processes (WEB_PROCESSES): everyone's, gathered by the primary (server/http-metrics.mjs).
  const clusterText = (globalThis as { [key: symbol]: (() => Promise<string>) | undefined })[Symbol.for("backline.metricsText")];
  const text = clusterText ? await clusterText() : await client.register.metrics();
  return new Response(text, { headers: { "Content-Type": client.register.contentType, "Cache-Control": "no-store" } });
}
