// The worker's small HTTP server on WORKER_METRICS_PORT, for the platform
// running it: /metrics (Prometheus), /healthz (the process answers: alive),
// /readyz (it can do its work: Postgres and Redis reachable, its workers
// consuming — 503 naming what isn't). Unset port: no server.
import http from "node:http";
import client from "prom-client";

export interface OpsServerOptions {
  port: number;
  host?: string;
  /** What stops this worker from doing its work right now, or [] when nothing does. */
  notReady(): Promise<string[]>;
}

export async function startOpsServer(options: OpsServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET") return reply(405, "text/plain", "Method not allowed\n");
    if (path === "/healthz") return reply(200, "text/plain", "ok\n");
    if (path === "/readyz") {
      void options.notReady().then(
        (problems) => (problems.length === 0 ? reply(200, "text/plain", "ready\n") : reply(503, "text/plain", `${problems.join("\n")}\n`)),
        (err: Error) => reply(503, "text/plain", `${err.message}\n`),
      );
      return;
    }
    if (path === "/metrics") {
      void client.register.metrics().then(
        (text) => reply(200, client.register.contentType, text),
        (err: Error) => reply(500, "text/plain", `${err.message}\n`),
      );
      return;
    }
    reply(404, "text/plain", "Not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as { port: number };
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
