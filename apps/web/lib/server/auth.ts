// Sign-in with emailed magic links (Better Auth, Prisma adapter): users,
// sessions and pending links live in Postgres. The link email is not sent from
// here: it becomes a `sign_in_emails` row (the link sealed) and a job, and a
// worker sends it through the same SMTP pipeline as reports.
import "server-only";
import { enqueue, signInEmailJobOptions } from "@backline/queue";
import { sealSignInLink } from "@backline/report-service";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";
import { magicLink } from "better-auth/plugins/magic-link";
import { db } from "./db";
import { webEnv } from "./env";
import { reportsQueue } from "./queue";

const SESSION_COOKIE_PREFIX = "backline";
/** The session cookie's exact name: backline.session_token, with the __Secure- prefix whenever APP_URL is https (as Better Auth names it). */
export const sessionCookieName = () => `${webEnv().APP_URL.startsWith("https:") ? "__Secure-" : ""}${SESSION_COOKIE_PREFIX}.session_token`;

function createAuth() {
  const env = webEnv();
  const linkTtlSeconds = env.SIGN_IN_LINK_TTL_MINUTES * 60;
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
    // An absolute lifetime: sessions are read by session.ts, which never extends them.
    session: { expiresIn: 30 * 24 * 3600, disableSessionRefresh: true },
    advanced: {
      cookiePrefix: SESSION_COOKIE_PREFIX,
      database: { generateId: "uuid" },
      // HttpOnly and SameSite=Lax always; Secure (and the __Secure- prefix) whenever APP_URL is https.
      useSecureCookies: env.APP_URL.startsWith("https:"),
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" },
    },
    plugins: [
      magicLink({
        expiresIn: linkTtlSeconds,
        // Only a hash of the token is stored, and the link waits for its email sealed: a database reader can't sign in.
        storeToken: "hashed",
        async sendMagicLink({ email, url }) {
          const sealedUrl = sealSignInLink(url, email, env.AUTH_SECRET);
          const row = await db().signInEmail.create({ data: { email, sealedUrl, expiresAt: new Date(Date.now() + linkTtlSeconds * 1000) } });
          // With Redis down the row is kept, like a report's: the worker's reconciler gives it its job once Redis is back.
          await enqueue(reportsQueue(), "send-sign-in-link", { signInEmailId: row.id }, signInEmailJobOptions(row.id)).catch((err: Error) =>
            console.error(`[auth] sign-in email ${row.id} waits for the reconciler: ${err.message.split("\n")[0]}`),
          );
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
