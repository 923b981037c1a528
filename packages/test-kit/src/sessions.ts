// A signed-in session without the email round trip, for load tools and
// tests that need many users (bench, chaos): the user and session rows
// Better Auth would write, and the cookie it would set — better-call's signed
// cookie format: encodeURIComponent(`${token}.${base64 HMAC-SHA256(secret, token)}`).
import { createHmac, randomBytes } from "node:crypto";
import type pg from "pg";

export const SESSION_COOKIE = "backline.session_token";

/** The Cookie header value for a session token, signed with AUTH_SECRET. */
export function signedSessionCookie(token: string, authSecret: string): string {
  const signature = createHmac("sha256", authSecret).update(token).digest("base64");
  return `${SESSION_COOKIE}=${encodeURIComponent(`${token}.${signature}`)}`;
}

/** Creates (or reuses) the user for this address and a fresh 30-day session; answers the Cookie header value. */
export async function createSessionCookie(db: pg.Pool | pg.Client, email: string, authSecret: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (id, email, email_verified, updated_at) VALUES (gen_random_uuid(), lower($1), true, now())
     ON CONFLICT (email) DO UPDATE SET updated_at = users.updated_at RETURNING id::text`,
    [email],
  );
  const token = randomBytes(24).toString("base64url");
  await db.query(`INSERT INTO sessions (id, token, user_id, expires_at, updated_at) VALUES (gen_random_uuid(), $1, $2::uuid, now() + interval '30 days', now())`, [token, rows[0]!.id]);
  return signedSessionCookie(token, authSecret);
}
