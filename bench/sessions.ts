// Signed-in sessions for the load tools (bench and chaos). The web app takes
// POST /api/reports and serves a report's event stream only to a signed-in
// user, and refuses a state-changing request whose Origin is not its own
// (proxy.ts). The harness skips the emailed-link round trip: it writes the
// user and session rows into the stack's database (createSessionCookie from
// @backline/test-kit) and signs the cookie with TEST_SECRETS.AUTH_SECRET, the
// secret appEnv gives the web process.
import { TEST_SECRETS, createSessionCookie } from "@backline/test-kit";
import pg from "pg";

/** The headers a browser on the app's own pages sends with a POST: its session cookie and the app's Origin. */
export function authHeaders(appUrl: string, cookie: string): { cookie: string; origin: string } {
  return { cookie, origin: new URL(appUrl).origin };
}

/**
 * A Cookie header value per address, each created once, on first ask (the
 * user is created too if new; addresses are lowercased as the app does). A
 * creation that failed is forgotten, so the next ask tries again.
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
