// The production web server: `npm run start:web` (node server.mjs [-p port] [-H host]).
//
// Why a custom server rather than `next start`: the per-address limits and the
// download log need the client's real address, and with no proxy in front
// (TRUSTED_PROXY_HOPS=0) only the TCP socket knows it. Next's route handlers
// never see the socket, and `next start` only fills X-Forwarded-For when the
// client sent none, so a client could pick any address per request. This
// server is Next's own request handler (next({ dev: false }), the documented
// custom-server API) behind a Node http server that first rewrites
// X-Forwarded-For from the socket (server/forwarded-for.mjs): the peer's
// address alone with no trusted proxy, appended to the chain behind N of them.
// Everything else is Next's: routing, proxy.ts, headers, compression.
//
// Like `next start`: PORT (or -p) defaults to 3000; -H picks the interface
// (default all); SIGTERM/SIGINT stop taking connections, let requests in
// flight finish (live status streams are cut after DRAIN_MS; browsers
// reconnect elsewhere), then exit 143/130.
//
// WEB_PROCESSES=N (or auto: one per core) runs N such web processes behind the
// one port with Node's cluster module (server/cluster.mjs): this file is then
// the primary, which only hands out connections, and each web process runs the
// code below. 1 (the default) is a single process, no cluster.
import cluster from "node:cluster";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import { runPrimary, webProcesses } from "./server/cluster.mjs";
import { stampForwardedFor, stampRequestId, trustedProxyHops } from "./server/forwarded-for.mjs";
import { clusterMetricsInPrimary, clusterMetricsInWorker, httpMetrics } from "./server/http-metrics.mjs";

const DRAIN_MS = 5000;

function exitWith(line) {
  console.error(`✖ Backline web cannot start: ${line}`);
  process.exit(1);
}

// `next start` runs in production mode whatever NODE_ENV says; so does this.
process.env.NODE_ENV = "production";

let args;
try {
  args = parseArgs({ options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } }, allowPositionals: false }).values;
} catch (err) {
  exitWith(`${err.message} (usage: node server.mjs [-p port] [-H hostname])`);
}
const port = Number(args.port ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 1 || port > 65535) exitWith(`PORT must be a port number (it is "${args.port ?? process.env.PORT}")`);
const hostname = args.hostname;
let hops;
let processes;
try {
  hops = trustedProxyHops();
  processes = webProcesses();
} catch (err) {
  exitWith(err.message);
}
const readyLine = () =>
  `▲ Backline web ready on http://${hostname ?? "localhost"}:${port} (TRUSTED_PROXY_HOPS=${hops}${processes > 1 ? `, ${processes} web processes` : ""})`;

if (processes > 1 && cluster.isPrimary) {
  clusterMetricsInPrimary();
  runPrimary(processes, { ready: () => console.log(readyLine()), drainMs: DRAIN_MS });
} else {
  await serve();
}

/** One web process: Next's request handler behind the address stamping, on the port (shared by the cluster's processes). */
async function serve() {
  // In the container image (Next's standalone output) there is no next.config.ts to load: use the configuration
  // the build recorded, as Next's own standalone server.js does.
  const recorded = path.join(import.meta.dirname, ".next/required-server-files.json");
  if (!existsSync(path.join(import.meta.dirname, "next.config.ts")) && existsSync(recorded)) {
    process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(JSON.parse(readFileSync(recorded, "utf8")).config);
  }
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: import.meta.dirname, hostname: hostname ?? "localhost", port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const measure = httpMetrics(path.join(import.meta.dirname, ".next"));
  clusterMetricsInWorker();

  const server = http.createServer((req, res) => {
    stampForwardedFor(req, hops);
    stampRequestId(req, res, hops);
    measure(req, res);
    Promise.resolve(handle(req, res)).catch((err) => {
      console.error(err);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("Internal Server Error");
    });
  });
  server.on("error", (err) => exitWith(err.code === "EADDRINUSE" ? `port ${port} is already in use (PORT=${port})` : err.message));
  server.listen(port, hostname, () => {
    if (!cluster.isWorker) console.log(readyLine());
  });

  let stopping = false;
  function stop(signal) {
    if (stopping) return;
    stopping = true;
    const code = signal === "SIGINT" ? 130 : 143;
    // Exits even if a stream or Next's close hangs.
    setTimeout(() => process.exit(code), DRAIN_MS + 5000).unref();
    server.close(() => {
      Promise.resolve(app.close?.())
        .catch((err) => console.error(err))
        .finally(() => process.exit(code));
    });
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), DRAIN_MS).unref();
  }
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
