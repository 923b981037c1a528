// What a request that failed unexpectedly answers. A backing service that is
// down — recognised by the error's type or code, never its wording — is a 503
// naming the setting to check. Anything else is our bug: a 500 carrying a
// request id, logged with its stack under the same id (pino JSON, like the worker).
import "server-only";
import { randomUUID } from "node:crypto";
import { jsonError } from "./http";
import { log } from "./log";

/** Prisma's codes for "could not talk to the database" (connect, time out, pool, server gone). */
const PRISMA_UNREACHABLE = new Set(["P1001", "P1002", "P1003", "P1008", "P1010", "P1011", "P1017", "P2024"]);
/** The pg driver adapter's error kinds for the same (Prisma's DriverAdapterError.cause.kind). */
const DRIVER_UNREACHABLE = new Set([
  "DatabaseNotReachable",
  "DatabaseDoesNotExist",
  "DatabaseAccessDenied",
  "AuthenticationFailed",
  "SocketTimeout",
  "ConnectionClosed",
  "TooManyConnections",
]);

type Outage = { setting: "DATABASE_URL" | "REDIS_URL"; message: string };
const DATABASE: Outage = { setting: "DATABASE_URL", message: "The database is unavailable; check DATABASE_URL" };
const REDIS: Outage = { setting: "REDIS_URL", message: "Redis is unavailable; check REDIS_URL" };

interface ErrorShape {
  name?: string;
  code?: string;
  kind?: string;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: string } } };
}

/** The outage behind an error (looking through its causes) and what told it, or null when it is not one. */
function outageOf(err: unknown): { outage: Outage; because: string } | null {
  for (let e = err as ErrorShape | undefined, depth = 0; e && typeof e === "object" && depth < 6; e = e.cause as ErrorShape | undefined, depth++) {
    if (e.name === "PrismaClientInitializationError") return { outage: DATABASE, because: e.name };
    if (PRISMA_UNREACHABLE.has(e.code ?? "")) return { outage: DATABASE, because: `Prisma ${e.code}` };
    const kind = e.meta?.driverAdapterError?.cause?.kind ?? e.kind;
    if (kind && DRIVER_UNREACHABLE.has(kind)) return { outage: DATABASE, because: kind };
    // ioredis gave up on a command (the server is gone).
    if (e.name === "MaxRetriesPerRequestError") return { outage: REDIS, because: e.name };
  }
  return null;
}

/** The id server.mjs gave the request (X-Request-Id), else a new one (the route called without it: tests). */
export function requestIdOf(request?: Request): string {
  const given = request?.headers.get("x-request-id");
  return given && /^[A-Za-z0-9._:-]{8,100}$/.test(given) ? given : randomUUID();
}

/** `request`, when the caller has it, lends its id to the 500's log line and body. */
export function failureResponse(err: unknown, request?: Request): Response {
  const found = outageOf(err);
  if (found) {
    log.warn({ setting: found.outage.setting, because: found.because }, "backing service unavailable");
    return jsonError(503, found.outage.message);
  }
  const requestId = requestIdOf(request);
  log.error({ requestId, err }, "unexpected error while answering a request");
  return jsonError(500, `Something went wrong on our side; it is logged as request ${requestId}`, [], { "X-Request-Id": requestId });
}
