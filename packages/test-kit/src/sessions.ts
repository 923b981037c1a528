// A signed-in session without the email round trip, for load tools and
// tests that need many users (bench, chaos): the user and session rows
// Better Auth would write, and the cookie it would set — better-call's signed
// cookie format: encodeURIComponent(`${token}.${base64 HMAC-SHA256(secret, token)}`).
// The web app takes POST /api/reports and serves a report's event stream only
// to a signed-in user, and refuses a state-changing request whose Origin is not
// its own (proxy.ts): authHeaders() is what a browser on its pages sends.
import { createHmac, randomBytes } from "node:crypto";
import pg from "pg";
import { TEST_SECRETS } from "./secrets.ts";

/** The session cookie's name over http; over https (an https APP_URL) it carries the __Host- prefix. */
export const SESSION_COOKIE = "backline.session_token";
export const sessionCookieName = (options: { https?: boolean } = {}) => `${options.https ? "__Host-" : ""}${SESSION_COOKIE}`;

/** The Cookie header value for a session token, signed with AUTH_SECRET (`https`: for a stack whose APP_URL is https). */
export function signedSessionCookie(token: string, authSecret: string, options: { https?: boolean } = {}): string {
  const signature = createHmac("sha256", authSecret).update(token).digest("base64");
  return `${sessionCookieName(options)}=${encodeURIComponent(`${token}.${signature}`)}`;
}

/** Creates (or reuses) the user for this address and a fresh 30-day session; answers the Cookie header value. */
export async function createSessionCookie(db: pg.Pool | pg.Client, email: string, authSecret: string, options: { https?: boolean } = {}): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (id, email, email_verified, updated_at) VALUES (gen_random_uuid(), lower($1), true, now())
     ON CONFLICT (email) DO UPDATE SET updated_at = users.updated_at RETURNING id::text`,
    [email],
  );
  const token = randomBytes(24).toString("base64url");
  await db.query(
    `INSERT INTO sessions (id, token, user_id, expires_at, updated_at) VALUES (gen_random_uuid(), $1, $2::uuid, now() + interval '30 days', now())`,
    [token, rows[0]!.id],
  );
  return signedSessionCookie(token, authSecret, options);
}

/** The headers a browser on the app's own pages sends with a POST: its session cookie and the app's Origin. */
export function authHeaders(appUrl: string, cookie: string): { cookie: string; origin: string } {
  return { cookie, origin: new URL(appUrl).origin };
}

/**
 * A Cookie header value per address, each created once, on first ask, signed
 * with TEST_SECRETS.AUTH_SECRET (what appEnv gives the web process). The user is
 * created too if new; addresses are lowercased as the app does. A creation that
 * failed is forgotten, so the next ask tries again.
 */
export function sessionCache(db: pg.Pool | pg.Client): (email: string) => Promise<string> {
  const cache = new Map<string, Promise<string>>();
  return (email) => {
    const address = email.toLowerCase();
    let cookie = cache.get(address);
    if (!cookie) {
      cookie = createSessionCookie(db, address, TEST_SECRETS.AUTH_SECRET);
      cache.set(address, cookie);
      cookie.catch(() => cache.delete(address));
    }
    return cookie;
  };
}

/** A small pool on the stack's database for creating sessions (`end()` it when done). */
export function sessionPool(databaseUrl: string, applicationName: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, application_name: applicationName, max: 4 });
  pool.on("error", () => {}); // an idle client's error; the next query reports it
  return pool;
}

/** One session cookie for each address, in order, created `parallel` at a time. */
export async function sessionCookies(cookieFor: (email: string) => Promise<string>, emails: readonly string[], parallel = 4): Promise<string[]> {
  const cookies: string[] = new Array(emails.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, emails.length) }, async () => {
      while (next < emails.length) {
        const i = next++;
        cookies[i] = await cookieFor(emails[i]!);
      }
    }),
  );
  return cookies;
}
