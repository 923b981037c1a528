// Sign-in with emailed magic links (Better Auth, Prisma adapter): users,
// sessions and pending links live in Postgres. The link email is not sent from
// here: it becomes a `sign_in_emails` row (the link sealed) and a job, and a
// worker sends it through the same SMTP pipeline as reports.
//
// Who may sign in is sign-up-policy.ts's call, asked here before anything is
// queued and again (database hooks) before an account or a session is made.
// The emailed link opens a confirmation page (/sign-in/confirm), not Better
// Auth's verify endpoint: mail scanners (Outlook Safe Links) GET every link, and
// a GET must not use up the single-use token. Only the page's POST
// (/sign-in/verify) does; the GET endpoint is switched off.
import "server-only";
import { createHash } from "node:crypto";
import { queueSignInEmail } from "@backline/sign-in-outbox";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";
import { magicLink } from "better-auth/plugins/magic-link";
import { db } from "./db";
import { webEnv } from "./env";
import { signInQueue } from "./queue";
import { isAdminEmail, maySignIn } from "./sign-up-policy";

const SESSION_COOKIE_PREFIX = "backline";
const isHttps = () => webEnv().APP_URL.startsWith("https:");
/**
 * The session cookie's exact name: backline.session_token, with the __Host-
 * prefix whenever APP_URL is https — a browser only keeps such a cookie if it
 * is Secure, Path=/ and has no Domain, so no subdomain can plant or shadow it.
 */
export const sessionCookieName = () => `${isHttps() ? "__Host-" : ""}${SESSION_COOKIE_PREFIX}.session_token`;

/** Where the emailed link points: a page that asks before it signs in (see the top of this file). */
const CONFIRM_PATH = "/sign-in/confirm";
/** Better Auth's verify endpoint, reachable only from our POST (auth().api), never over HTTP. */
const VERIFY_ENDPOINT = "/magic-link/verify";

/** How Better Auth's magic-link plugin stores a token (storeToken: "hashed"): base64url(SHA-256), as the verification's identifier. */
const magicLinkIdentifier = (token: string) => `magic-link:${createHash("sha256").update(token).digest("base64url")}`;

/** The confirmation page's URL for Better Auth's verify URL: the same query (token, callbackURL, errorCallbackURL). */
function confirmUrlFor(verifyUrl: string, appUrl: string): string {
  const confirm = new URL(CONFIRM_PATH, appUrl);
  confirm.search = new URL(verifyUrl).search;
  return confirm.toString();
}

function createAuth() {
  const env = webEnv();
  const linkTtlSeconds = env.SIGN_IN_LINK_TTL_MINUTES * 60;
  const https = isHttps();
  return betterAuth({
    appName: "Backline",
    baseURL: env.APP_URL,
    basePath: "/api/auth",
    secret: env.AUTH_SECRET,
    database: prismaAdapter(db(), { provider: "postgresql" }),
    trustedOrigins: [new URL(env.APP_URL).origin],
    // Limits are ours (Redis-backed, shared by every web process): see rate-limits.ts.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    // Errors that aren't Better Auth's own (the database is down) reach our route, which answers 503 naming the setting.
    onAPIError: { throw: true },
    // An absolute lifetime: sessions are read by session.ts, which never extends them
    // (it only notes activity, for the idle timeout, in sessions.updated_at).
    session: { expiresIn: 30 * 24 * 3600, disableSessionRefresh: true },
    // Only our confirmation POST may use a sign-in token (it calls auth().api, which this doesn't block).
    disabledPaths: [VERIFY_ENDPOINT],
    advanced: {
      cookiePrefix: SESSION_COOKIE_PREFIX,
      // Better Auth's own secure prefix is __Secure-; ours is __Host- (named below), so its prefixing stays off.
      useSecureCookies: false,
      cookies: https
        ? Object.fromEntries(
            ["session_token", "session_data", "dont_remember", "account_data"].map((name) => [name, { name: `__Host-${SESSION_COOKIE_PREFIX}.${name}` }]),
          )
        : undefined,
      database: { generateId: "uuid" },
      // HttpOnly, SameSite=Lax and Path=/ always, never a Domain; Secure whenever APP_URL is https.
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax", path: "/", secure: https },
    },
    databaseHooks: {
      user: {
        create: {
          // Asked again here: the policy may have changed (or the address been removed) since the link was emailed.
          before: async (user) => ((await maySignIn(user.email)) ? undefined : false),
        },
      },
      session: {
        create: {
          // A removed account gets no session, even from a link emailed before the removal.
          before: async (session) => {
            const user = await db().user.findUnique({ where: { id: session.userId }, select: { email: true, removedAt: true } });
            return user && (!user.removedAt || isAdminEmail(user.email)) ? undefined : false;
          },
          after: async (session) => {
            const user = await db().user.update({
              where: { id: session.userId },
              data: { lastSignInAt: new Date() },
              select: { email: true, removedAt: true },
            });
            // ADMIN_EMAILS always get in (sign-up-policy.ts): an admin address removed before it was listed there is restored.
            // Nobody else is: a removal racing this sign-in stands (session.ts refuses the session).
            if (user.removedAt && isAdminEmail(user.email)) await db().user.update({ where: { id: session.userId }, data: { removedAt: null } });
          },
        },
      },
    },
    plugins: [
      magicLink({
        expiresIn: linkTtlSeconds,
        // Only a hash of the token is stored, and the link waits for its email sealed: a database reader can't sign in.
        storeToken: "hashed",
        async sendMagicLink({ email, url, token }) {
          if (!(await maySignIn(email))) {
            // The same 200 as for anyone else (no way to tell who has an account), but no row, no job, no email;
            // and the token Better Auth just stored goes too.
            await db().verification.deleteMany({ where: { identifier: magicLinkIdentifier(token) } });
            return;
          }
          const queued = await queueSignInEmail(db(), signInQueue(), {
            email,
            url: confirmUrlFor(url, env.APP_URL),
            expiresAt: new Date(Date.now() + linkTtlSeconds * 1000),
            secret: env.AUTH_SECRET,
          });
          // With Redis down the row is kept, like a report's: the worker's reconciler gives it its job once Redis is back.
          if (!queued.queued) console.error(`[auth] sign-in email ${queued.id} waits for the reconciler: ${queued.error.message.split("\n")[0]}`);
        },
      }),
      nextCookies(),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;

const globalForAuth = globalThis as unknown as { backlineAuth?: Auth };
export function auth(): Auth {
  return (globalForAuth.backlineAuth ??= createAuth());
}

/**
 * The address a sign-in token is for, while it is unused and unexpired; null
 * otherwise. Only reads (the confirmation page shows it): the token is used up
 * by the page's POST alone.
 */
export async function pendingSignInEmail(token: string): Promise<string | null> {
  if (!/^[A-Za-z0-9]{16,128}$/.test(token)) return null;
  const row = await db().verification.findFirst({ where: { identifier: magicLinkIdentifier(token), expiresAt: { gt: new Date() } }, select: { value: true } });
  if (!row) return null;
  try {
    const { email } = JSON.parse(row.value) as { email?: unknown };
    return typeof email === "string" ? email : null;
  } catch {
    return null;
  }
}
