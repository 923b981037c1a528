// Who is asking. Every page and API route that touches reports starts here:
// pages send an anonymous visitor to the sign-in page, API routes answer 401.
import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Actor } from "@backline/report-service";
import { parseCookies } from "better-auth/cookies";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { preferencesFromAcceptLanguage } from "@/lib/preferences";
import { signInPath } from "@/lib/safe-path";
import { remembered } from "./actor-cache";
import { requiredScope, tokenOwner } from "./api-tokens";
import { sessionCookieName } from "./auth";
import { db } from "./db";
import { webEnv } from "./env";
import { jsonError } from "./http";
import { query } from "./pg";

/** Activity is written back at most this often, so the idle timeout costs one row write per session per few minutes, not per request. */
const ACTIVITY_WRITE_INTERVAL = "5 minutes";

const SESSION_SQL = `
  with live as (
    select s.id, s.user_id, s.updated_at, s.expires_at, u.email, u.locale is null as unset from sessions s join users u on u.id = s.user_id
    where s.token = $1 and s.expires_at > now() and u.removed_at is null
      and s.updated_at > now() - make_interval(hours => $2::int)
  ), touched as (
    update sessions set updated_at = now()
    where id = (select id from live where updated_at < now() - interval '${ACTIVITY_WRITE_INTERVAL}')
  )
  select user_id::text as "userId", email, unset, expires_at as "expiresAt" from live`;

interface SessionActor {
  userId: string;
  email: string;
  /** No report preferences yet (the first signed-in page sets them). */
  unset: boolean;
}

/**
 * The signed-in actor for a request, or null. Better Auth creates and ends
 * sessions; reading one, on every API request, is done here: the cookie's
 * signature is checked the way Better Auth signs it (HMAC-SHA256 with
 * AUTH_SECRET, compared in constant time), then the session row and its user
 * are read together in one statement (plain pg, prepared) — unexpired (30 days
 * from sign-in), not idle for SESSION_IDLE_TIMEOUT_HOURS (last activity is
 * sessions.updated_at, moved on in the same statement when it is more than a
 * few minutes old), and the user not removed. What it found is remembered for
 * SESSION_CACHE_SECONDS (actor-cache.ts: sign-out and removal reach every web
 * process at once), so most requests need no query at all. Better Auth's
 * getSession does the same in two Prisma queries plus its endpoint pipeline:
 * 2.8 ms against 0.4 ms per call (measured), on the path of every request.
 */
export async function actorFrom(requestHeaders: Headers, options: { page?: boolean } = {}): Promise<Actor | null> {
  const signed = signedSessionCookie(requestHeaders);
  if (!signed) return null;
  const env = webEnv();
  // Remembered under the whole signed value: only a cookie verified before (signature included) is ever answered from memory.
  const row = await remembered<SessionActor>(`s:${signed}`, async () => {
    const token = verifiedToken(signed);
    if (!token) return null;
    const rows = await query<SessionActor & { expiresAt: Date }>("backline-session-actor", SESSION_SQL, [token, env.SESSION_IDLE_TIMEOUT_HOURS]).catch(
      (err: unknown) => {
        throw new Error("Session lookup failed", { cause: err });
      },
    );
    const found = rows[0];
    return found
      ? { value: { userId: found.userId, email: found.email.toLowerCase(), unset: found.unset }, userId: found.userId, expiresAt: found.expiresAt }
      : null;
  });
  if (!row) return null;
  // The first signed-in page a user sees sets their report preferences from the browser's language.
  if (options.page && row.unset) {
    await defaultPreferences(row.userId, requestHeaders.get("accept-language"));
    row.unset = false; // the remembered entry too
  }
  return { userId: row.userId, email: row.email, admin: env.ADMIN_EMAILS.includes(row.email) };
}

/** The session cookie's value (`token.signature`), decoded; null without one. */
function signedSessionCookie(requestHeaders: Headers): string | null {
  // Only the exact name: over https an unprefixed or __Secure- cookie (which a subdomain could have set) is ignored.
  const value = parseCookies(requestHeaders.get("cookie") ?? "").get(sessionCookieName());
  if (!value) return null;
  return value.includes("%") ? safeDecode(value) : value;
}

/** The session token, if the cookie's signature is ours. */
function verifiedToken(signed: string): string | null {
  const dot = signed.lastIndexOf(".");
  if (dot < 1) return null;
  const token = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1), "base64");
  const expected = createHmac("sha256", webEnv().AUTH_SECRET).update(token).digest();
  return given.length === expected.length && timingSafeEqual(given, expected) ? token : null;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** For pages and layouts: the signed-in actor or null, looked up once per request however many components ask. */
export const pageActor = cache(async () => actorFrom(await headers(), { page: true }));

/** For pages: the signed-in actor, or a redirect to sign in and come back to `returnTo`. */
export async function requireActor(returnTo: string): Promise<Actor> {
  const actor = await pageActor();
  if (!actor) redirect(signInPath(returnTo));
  return actor;
}

/**
 * For API routes: the actor, or a 401 (403) to return as is. A request with
 * `Authorization: Bearer` is its token's owner, on the routes its scopes allow
 * (api-tokens.ts); anything else is the session cookie's.
 */
export async function apiActor(request: Request): Promise<{ actor: Actor } | { response: Response }> {
  const authorization = request.headers.get("authorization");
  if (authorization && /^bearer\b/i.test(authorization)) return bearerActor(request, authorization.replace(/^bearer\s*/i, "").trim());
  const actor = await actorFrom(request.headers);
  return actor ? { actor } : { response: jsonError(401, "Sign in first") };
}

async function bearerActor(request: Request, token: string): Promise<{ actor: Actor } | { response: Response }> {
  const scope = requiredScope(request.method, new URL(request.url).pathname);
  if (!scope) {
    return {
      response: jsonError(403, "API tokens are not accepted here: tokens, webhooks and settings need a signed-in session", [
        { path: "Authorization", message: "Use the session cookie" },
      ]),
    };
  }
  const found = await tokenOwner(token);
  if (!found) {
    return {
      response: jsonError(401, "Invalid, expired or revoked API token", [{ path: "Authorization", message: "Not a live token" }], {
        "WWW-Authenticate": 'Bearer error="invalid_token"',
      }),
    };
  }
  if (!found.scopes.includes(scope)) {
    return {
      response: jsonError(403, `This token lacks the scope ${scope}`, [{ path: "Authorization", message: `Needs ${scope}` }], {
        "WWW-Authenticate": `Bearer error="insufficient_scope", scope="${scope}"`,
      }),
    };
  }
  return { actor: found.actor };
}

/** Sets a user's report preferences from Accept-Language, unless they have some already. */
async function defaultPreferences(userId: string, acceptLanguage: string | null): Promise<void> {
  const { paperSize, locale } = preferencesFromAcceptLanguage(acceptLanguage);
  await db().user.updateMany({ where: { id: userId, locale: null }, data: { paperSize, locale } });
}
