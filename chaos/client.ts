// Talking to the stack the way a user (HTTP) and an operator (SQL, Redis) would.
// HTTP goes through @backline/api-client, the typed client generated from the
// OpenAPI document, so a path, body or answer the document doesn't have fails
// the type check here.
import { createBacklineClient, type BacklineClient, type paths } from "@backline/api-client";
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

/** The body of POST /api/reports, as the document describes it. */
type ReportRequest = NonNullable<paths["/api/reports"]["post"]["requestBody"]>["content"]["application/json"];

/**
 * The typed client as `email`'s user: the session cookie and the app's own Origin, as its pages send them;
 * each request gives up after `timeoutMs`.
 */
export async function clientFor(api: Api, email: string, timeoutMs = 60_000): Promise<BacklineClient> {
  return createBacklineClient({
    baseUrl: api.baseUrl,
    headers: authHeaders(api.baseUrl, await api.cookieFor(email)),
    fetch: (request) => fetch(request, { signal: AbortSignal.timeout(timeoutMs) }),
  });
}

// Node's fetch (undici) opens as many sockets per origin as there are requests
// in flight, which is what the concurrency scenario needs; each request is
// bounded by its own timeout. The cookie is at hand before the clock starts.
// `body` may be anything (a scenario sends invalid ones on purpose).
export async function submitReport(api: Api, body: unknown, options: { email: string; idempotencyKey?: string; timeoutMs?: number }): Promise<SubmitResult> {
  const client = await clientFor(api, options.email, options.timeoutMs ?? 30_000);
  const started = performance.now();
  try {
    const { data, error, response } = await client.POST("/api/reports", {
      body: body as ReportRequest,
      headers: options.idempotencyKey ? { "Idempotency-Key": options.idempotencyKey } : {},
    });
    const accepted = response.status === 202;
    return {
      status: response.status,
      id: accepted ? (data?.id ?? null) : null,
      error: accepted ? null : errorText(error),
      ms: performance.now() - started,
      replayed: response.headers.get("idempotent-replayed") === "true",
    };
  } catch (err) {
    return { status: 0, id: null, error: (err as Error).message, ms: performance.now() - started, replayed: false };
  }
}

/** What an error answer says: its `error` field, else its text (openapi-fetch gives parsed JSON or the raw text). */
function errorText(error: unknown): string {
  if (typeof error === "string") return error.slice(0, 200);
  const said = (error as { error?: unknown } | undefined)?.error;
  return typeof said === "string" ? said : JSON.stringify(error ?? null).slice(0, 200);
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
 * A typed call's answer in the harness's terms (status 0: no answer — a
 * network error or a timeout), e.g.
 * `answered((await clientFor(stack, email)).PATCH("/api/schedules/{id}", { params: { path: { id } }, body: { paused: true } }))`.
 */
export async function answered<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<ApiAnswer<T>> {
  try {
    const { data, error, response } = await call;
    return { status: response.status, body: response.ok ? (data ?? null) : null, error: response.ok ? null : errorText(error) };
  } catch (err) {
    return { status: 0, body: null, error: (err as Error).message };
  }
}
