// Talking to the stack the way a user (HTTP) and an operator (SQL, Redis) would.
import { authHeaders, sessionCookies } from "@backline/test-kit";
import { Redis } from "ioredis";
import pg from "pg";

// ---------------------------------------------------------------- HTTP

/**
 * The web app of a stack, as its users reach it. A report goes to the address
 * of the user who asked for it, so "a report to X" is a POST signed in as X:
 * `cookieFor(X)` is X's session cookie (created once per address; see
 * sessionCache in @backline/test-kit). Per-address behaviour (the sink refusing an address,
 * owner_email in SQL checks) keeps working that way.
 */
export interface Api {
  baseUrl: string;
  cookieFor(email: string): Promise<string>;
}

export interface SubmitResult {
  status: number; // 0: no answer (network error or timeout)
  id: string | null;
  error: string | null;
  ms: number;
  replayed: boolean;
}

// Node's fetch (undici) opens as many sockets per origin as there are requests
// in flight, which is what the concurrency scenario needs; each request is
// bounded by its own timeout. Sent as `email`'s user (session cookie) from the
// app's own Origin, as its pages would; the cookie is at hand before the clock starts.
export async function submitReport(api: Api, body: unknown, options: { email: string; idempotencyKey?: string; timeoutMs?: number }): Promise<SubmitResult> {
  const cookie = await api.cookieFor(options.email);
  const started = performance.now();
  try {
    const res = await fetch(`${api.baseUrl}/api/reports`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...authHeaders(api.baseUrl, cookie),
        ...(options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let json: { id?: string; error?: string } = {};
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: keep the status
    }
    return {
      status: res.status,
      id: res.status === 202 ? (json.id ?? null) : null,
      error: res.status === 202 ? null : (json.error ?? text.slice(0, 200)),
      ms: performance.now() - started,
      replayed: res.headers.get("idempotent-replayed") === "true",
    };
  } catch (err) {
    return { status: 0, id: null, error: (err as Error).message, ms: performance.now() - started, replayed: false };
  }
}

/** The request body: no recipient in it (the report goes to the signed-in user). */
export const reportBody = () => ({ type: "sales-summary", params: {} });

/**
 * Submits `count` reports with at most `concurrency` requests in flight,
 * optionally paced to `perSecond`. Emails (so users) vary
 * (`<tag>-<n>@chaos.test`) unless `emailFor` says otherwise; every one's
 * session is made before the first request, so the pace and the timings are
 * the web's alone.
 */
export async function submitMany(
  api: Api,
  count: number,
  options: {
    concurrency?: number;
    perSecond?: number;
    tag: string;
    emailFor?: (i: number) => string;
    onResult?: (r: SubmitResult, i: number) => void;
    stop?: () => boolean;
  },
): Promise<SubmitResult[]> {
  const results: SubmitResult[] = new Array(count);
  let next = 0;
  const concurrency = options.concurrency ?? 16;
  const emailFor = options.emailFor ?? ((i: number) => `${options.tag}-${i % 97}-${i}@chaos.test`);
  await sessionCookies(api.cookieFor, [...new Set(Array.from({ length: count }, (_, i) => emailFor(i)))]);
  const startedAt = Date.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        if (options.stop?.()) return;
        const i = next++;
        if (options.perSecond) {
          const due = startedAt + (i * 1000) / options.perSecond;
          const wait = due - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        const r = await submitReport(api, reportBody(), { email: emailFor(i) });
        results[i] = r;
        options.onResult?.(r, i);
      }
    }),
  );
  return results.filter(Boolean);
}

// ---------------------------------------------------------------- Postgres

export async function connectPg(url: string, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  client.on("error", () => {}); // reported on the next query
  await client.connect();
  return client;
}

export async function countTerminal(db: pg.Client, ids: readonly string[]): Promise<{ terminal: number; sent: number; failed: number; cancelled: number }> {
  if (ids.length === 0) return { terminal: 0, sent: 0, failed: 0, cancelled: 0 };
  const { rows } = await db.query<{ status: string; n: string }>("SELECT status::text, count(*) AS n FROM reports WHERE id = ANY($1::uuid[]) GROUP BY status", [
    ids,
  ]);
  const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const sent = by.sent ?? 0;
  const failed = by.failed ?? 0;
  const cancelled = by.cancelled ?? 0;
  return { terminal: sent + failed + cancelled, sent, failed, cancelled };
}

/** Polls until every id is sent/failed/cancelled or the deadline passes. Returns when it ended. */
export async function waitTerminal(
  db: pg.Client,
  ids: readonly string[],
  timeoutMs: number,
  onPoll?: (c: { terminal: number; sent: number; failed: number }) => void,
): Promise<{ allTerminal: boolean; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await countTerminal(db, ids);
    onPoll?.(c);
    if (c.terminal >= ids.length) return { allTerminal: true, at: Date.now() };
    if (Date.now() > deadline) return { allTerminal: false, at: Date.now() };
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---------------------------------------------------------------- Redis

/** A waiting client for our own Redis (reconnects after a restart). */
export function redisClient(url: string): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: true, retryStrategy: () => 200 });
  r.on("error", () => {});
  return r;
}

/** An answer of the web's JSON API: status 0 = no answer (network error or timeout). */
export interface ApiAnswer<T> {
  status: number;
  body: T | null;
  error: string | null;
}

/**
 * One call of the web's JSON API as `email`'s user (session cookie, the app's
 * Origin): `body` is sent as JSON when given, `form` as multipart/form-data
 * (an upload); neither: no body at all (the routes that take none refuse one).
 */
export async function callApi<T = unknown>(
  api: Api,
  method: "GET" | "POST" | "PATCH" | "DELETE",
  path: string,
  options: { email: string; body?: unknown; form?: FormData; timeoutMs?: number },
): Promise<ApiAnswer<T>> {
  const cookie = await api.cookieFor(options.email);
  const isJson = options.body !== undefined;
  try {
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      // fetch sets multipart's Content-Type (with its boundary) itself.
      headers: { ...authHeaders(api.baseUrl, cookie), ...(isJson ? { "content-type": "application/json" } : {}) },
      ...(isJson ? { body: JSON.stringify(options.body) } : options.form ? { body: options.form } : {}),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the status and the text
    }
    const ok = res.status >= 200 && res.status < 300;
    return {
      status: res.status,
      body: ok ? (json as T) : null,
      error: ok ? null : ((json as { error?: string } | null)?.error ?? text.slice(0, 200)),
    };
  } catch (err) {
    return { status: 0, body: null, error: (err as Error).message };
  }
}
