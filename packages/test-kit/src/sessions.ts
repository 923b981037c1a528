// A signed-in session without the email round trip, for load tools and
// tests that need many users (bench, chaos): the user and session rows
// Better Auth would write, and the cookie it would set — better-call's signed
// cookie format: encodeURIComponent(`${token}.${base64 HMAC-SHA256(secret, token)}`).
import { createHmac, randomBytes } from "node:crypto";
import type pg from "pg";

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
