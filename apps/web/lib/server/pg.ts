// Plain `pg` for the statements on the path of every request (who is signed in,
// a token's owner, a new report): a named prepared statement on a small pool of
// its own costs a fraction of what Prisma's raw-query pipeline adds around the
// same SQL (parameter and result mapping, its request machinery), and Postgres
// plans it once per connection. Everything else goes through Prisma (db.ts).
//
// Errors that mean "the database is unreachable" carry the same `kind` Prisma's
// pg driver adapter gives them (DatabaseNotReachable, ConnectionClosed, …), so
// failures.ts answers 503 naming DATABASE_URL for either client alike.
import "server-only";
import pg from "pg";
import { webEnv } from "./env";

/** Enough for a few hundred short statements a second; Prisma's own pool serves the rest. */
const POOL_MAX = 8;

const globalForPg = globalThis as unknown as { backlinePg?: pg.Pool };

export function pgPool(): pg.Pool {
  if (!globalForPg.backlinePg) {
    const pool = new pg.Pool({ connectionString: webEnv().DATABASE_URL, max: POOL_MAX, connectionTimeoutMillis: 5000, application_name: "backline-web" });
    pool.on("error", () => {}); // an idle client's error; the next query reports it
    globalForPg.backlinePg = pool;
  }
  return globalForPg.backlinePg;
}

/** Closes the pool (tests). */
export async function closePgPool(): Promise<void> {
  const pool = globalForPg.backlinePg;
  globalForPg.backlinePg = undefined;
  await pool?.end();
}

/** A named (prepared) statement's rows; an unreachable database is thrown as an error with Prisma's `kind`. */
export async function query<R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<R[]> {
  try {
    return (await pgPool().query<R>({ name, text, values })).rows;
  } catch (err) {
    throw asOutage(err);
  }
}

const SOCKET_KINDS: Record<string, string> = {
  ENOTFOUND: "DatabaseNotReachable",
  ECONNREFUSED: "DatabaseNotReachable",
  EHOSTUNREACH: "DatabaseNotReachable",
  ECONNRESET: "ConnectionClosed",
  EPIPE: "ConnectionClosed",
  ETIMEDOUT: "SocketTimeout",
};
const SERVER_KINDS: Record<string, string> = {
  "3D000": "DatabaseDoesNotExist",
  "28000": "AuthenticationFailed",
  "28P01": "AuthenticationFailed",
  "53300": "TooManyConnections",
  "57P01": "ConnectionClosed", // terminated by an administrator
  "57P02": "ConnectionClosed", // crash shutdown
  "57P03": "DatabaseNotReachable", // the server is starting up or shutting down
};

/** The error, marked with the kind of outage it is (when it is one); anything else (a constraint, our SQL) unchanged. */
export function asOutage(err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : "";
  const kind =
    SOCKET_KINDS[code] ??
    SERVER_KINDS[code] ??
    (/^Connection terminated/.test(message) ? "ConnectionClosed" : /timeout exceeded when trying to connect/.test(message) ? "SocketTimeout" : undefined);
  return kind ? Object.assign(new Error(`Database unreachable (${kind})`, { cause: err }), { kind }) : err;
}
