// Personal API tokens: `Authorization: Bearer bkl_…` for programs. A token acts
// as its owner — the same ownership rules, limits and in-flight cap — on the
// /api routes its scopes allow: reports, schedules and campaigns, read (GET) or
// write (anything else). Tokens, webhooks, settings and admin routes need a
// signed-in session. An admin's token has admin powers only with a campaigns
// scope. Only the token's SHA-256 is stored (it is 256 random bits: no slow hash
// needed); its row is read when a web process doesn't remember it (at most
// SESSION_CACHE_SECONDS, actor-cache.ts), and deleting it revokes the token at
// once on every web process (revokeToken tells them all); last use is written at
// most once a minute, in the same statement.
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { toFieldIssues, type FieldIssue } from "@backline/config";
import type { Actor } from "@backline/report-service";
import { ADMIN_SCOPES, createTokenSchema, type TokenScope } from "@/lib/api/schemas";
import { forgetUser, remembered } from "./actor-cache";
import { db } from "./db";
import { webEnv } from "./env";
import { query } from "./pg";

const TOKEN_PREFIX = "bkl_";
/** What a whole token looks like (lib/request-rules.ts refuses anything token-shaped in a query string). */
const TOKEN_PATTERN = /^bkl_[A-Za-z0-9_-]{43}$/;
const MAX_TOKENS_PER_USER = 50;
const LAST_USED_WRITE_INTERVAL = "1 minute";

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export interface TokenView {
  id: string;
  name: string;
  /** The first characters, to tell tokens apart. */
  prefix: string;
  scopes: TokenScope[];
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

const view = (t: {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}): TokenView => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  scopes: t.scopes as TokenScope[],
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  expiresAt: t.expiresAt?.toISOString() ?? null,
});

type Refusal = { ok: false; status: number; error: string; issues?: FieldIssue[] };

export async function createToken(body: unknown, actor: Actor): Promise<{ ok: true; token: string; view: TokenView } | Refusal> {
  const parsed = createTokenSchema.safeParse(body);
  if (!parsed.success) return { ok: false, status: 400, error: "Invalid token request", issues: toFieldIssues(parsed.error.issues) };
  const { name, scopes, expiresInDays } = parsed.data;
  const adminOnly = scopes.filter((s) => ADMIN_SCOPES.includes(s));
  if (adminOnly.length > 0 && !actor.admin) {
    return {
      ok: false,
      status: 400,
      error: "Invalid token request",
      issues: [{ path: "scopes", message: `${adminOnly.join(", ")}: campaigns are admins' only` }],
    };
  }
  if ((await db().apiToken.count({ where: { userId: actor.userId } })) >= MAX_TOKENS_PER_USER) {
    return { ok: false, status: 409, error: `At most ${MAX_TOKENS_PER_USER} tokens per account: revoke one first` };
  }
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const row = await db().apiToken.create({
    data: {
      userId: actor.userId,
      name,
      scopes,
      tokenHash: hashToken(token),
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
      expiresAt: expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null,
    },
  });
  return { ok: true, token, view: view(row) };
}

export async function listTokens(actor: Actor): Promise<TokenView[]> {
  return (await db().apiToken.findMany({ where: { userId: actor.userId }, orderBy: { createdAt: "desc" } })).map(view);
}

/** Revokes at once: the row is gone, and every web process forgets what it remembered of the owner's tokens. */
export async function revokeToken(id: string, actor: Actor): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  const revoked = (await db().apiToken.deleteMany({ where: { id, userId: actor.userId } })).count > 0;
  if (revoked) await forgetUser(actor.userId);
  return revoked;
}

/** The scope a request needs, or null where tokens are not accepted (tokens, webhooks, settings, admin, auth). */
export function requiredScope(method: string, pathname: string): TokenScope | null {
  // The customer search serves report forms: reading it is part of asking for reports.
  if (/^\/api\/customers\/?$/.test(pathname)) return method === "GET" || method === "HEAD" ? "reports:read" : null;
  const area = /^\/api\/(reports|schedules|campaigns)(\/|$)/.exec(pathname)?.[1];
  if (!area) return null;
  return `${area}:${method === "GET" || method === "HEAD" ? "read" : "write"}` as TokenScope;
}

const TOKEN_SQL = `
  with live as (
    select t.id, t.user_id, t.scopes, t.last_used_at, t.expires_at, u.email from api_tokens t join users u on u.id = t.user_id
    where t.token_hash = $1 and (t.expires_at is null or t.expires_at > now()) and u.removed_at is null
  ), touched as (
    update api_tokens set last_used_at = now()
    where id = (select id from live where last_used_at is null or last_used_at < now() - interval '${LAST_USED_WRITE_INTERVAL}')
  )
  select user_id::text as "userId", email, scopes, expires_at as "expiresAt" from live`;

/**
 * The token's owner and scopes: live (unexpired, not revoked, owner not removed), in one statement that also
 * notes its use; remembered for SESSION_CACHE_SECONDS like a session (actor-cache.ts: a revocation reaches
 * every web process at once).
 */
export async function tokenOwner(token: string): Promise<{ actor: Actor; scopes: TokenScope[] } | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const hash = hashToken(token);
  const row = await remembered(`t:${hash}`, async () => {
    const rows = await query<{ userId: string; email: string; scopes: string[]; expiresAt: Date | null }>("backline-token-owner", TOKEN_SQL, [hash]).catch(
      (err: unknown) => {
        throw new Error("Token lookup failed", { cause: err });
      },
    );
    const found = rows[0];
    return found
      ? {
          value: { userId: found.userId, email: found.email.toLowerCase(), scopes: found.scopes as TokenScope[] },
          userId: found.userId,
          expiresAt: found.expiresAt,
        }
      : null;
  });
  if (!row) return null;
  // An admin's token is an admin only when a scope says so.
  const admin = webEnv().ADMIN_EMAILS.includes(row.email) && row.scopes.some((s) => ADMIN_SCOPES.includes(s));
  return { actor: { userId: row.userId, email: row.email, admin }, scopes: row.scopes };
}
