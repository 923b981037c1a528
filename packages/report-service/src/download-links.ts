// Signed, expiring, revocable download links. The URL carries who it was made
// for, until when, and which key signed it; an HMAC-SHA256 over exactly those
// fields (and the report id in the path) proves nobody changed them. Every
// issued link is also a `download_links` row, so it can be revoked, and every
// download through it is recorded.
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { DownloadLink, PrismaClient } from "@backline/db";
import { z } from "zod";

export interface DownloadLinkKeys {
  /** Signs new links. */
  secret: string;
  /** Still verify links signed before a rotation. */
  previousSecrets?: string[];
}

export interface DownloadLinkClaims {
  reportId: string;
  userId: string;
  /** Unix seconds. */
  expires: number;
  keyId: string;
}

/** A short public name for a secret, so a link says which key to check it with (and rotation needs no naming). */
export const keyIdOf = (secret: string) => createHash("sha256").update(secret).digest("base64url").slice(0, 8);

const signature = (secret: string, c: DownloadLinkClaims) =>
  createHmac("sha256", secret).update(`backline-download-v1\n${c.reportId}\n${c.userId}\n${c.expires}\n${c.keyId}`).digest();

export function downloadPath(reportId: string): string {
  return `/reports/${reportId}/download`;
}

/** The link's URL for these claims, signed with the current secret. */
export function signDownloadUrl(appUrl: string, claims: Omit<DownloadLinkClaims, "keyId">, keys: DownloadLinkKeys): string {
  const full = { ...claims, keyId: keyIdOf(keys.secret) };
  const url = new URL(downloadPath(claims.reportId), appUrl);
  url.searchParams.set("user", full.userId);
  url.searchParams.set("expires", String(full.expires));
  url.searchParams.set("kid", full.keyId);
  url.searchParams.set("sig", signature(keys.secret, full).toString("base64url"));
  return url.toString();
}

const linkQuery = z.strictObject({
  user: z.uuid(),
  expires: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
  kid: z.string().regex(/^[A-Za-z0-9_-]{8}$/),
  sig: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

export type LinkCheck =
  | { ok: true; claims: DownloadLinkClaims }
  /** Any field changed, missing, malformed or signed by a key we don't hold: 403. */
  | { ok: false; reason: "tampered" }
  /** Genuine, but past its expiry: 410. */
  | { ok: false; reason: "expired"; claims: DownloadLinkClaims };

/** Whether the query string is a genuine, unexpired link to this report. Compares in constant time. */
export function checkDownloadUrl(reportId: string, query: URLSearchParams, keys: DownloadLinkKeys, now = Date.now()): LinkCheck {
  const parsed = linkQuery.safeParse(Object.fromEntries(query));
  if (!parsed.success) return { ok: false, reason: "tampered" };
  const { user, expires, kid, sig } = parsed.data;
  const secret = [keys.secret, ...(keys.previousSecrets ?? [])].find((s) => keyIdOf(s) === kid);
  if (!secret) return { ok: false, reason: "tampered" };
  const claims = { reportId, userId: user, expires, keyId: kid };
  const given = Buffer.from(sig, "base64url");
  const expected = signature(secret, claims);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "tampered" };
  if (expires * 1000 <= now) return { ok: false, reason: "expired", claims };
  return { ok: true, claims };
}

/** Makes (and records) a link for the report's owner, valid for `ttlHours`. */
export async function issueDownloadLink(
  db: PrismaClient,
  input: { reportId: string; userId: string; channel: "email" | "web"; appUrl: string; ttlHours: number; keys: DownloadLinkKeys },
): Promise<{ url: string; expiresAt: Date }> {
  const keyId = keyIdOf(input.keys.secret);
  // Links are identified by their claims: asked twice in one second, it is the same link (one row);
  // but a revoked one must never come back, so a new link then expires a second later.
  for (let expires = Math.floor(Date.now() / 1000) + input.ttlHours * 3600; ; expires++) {
    const expiresAt = new Date(expires * 1000);
    // One statement (the worker issues one per email; Prisma's upsert spends a transaction on it).
    const [link] = await db.$queryRaw<{ revoked: boolean }[]>`
      insert into download_links (id, report_id, user_id, key_id, expires_at, channel)
      values (${randomUUID()}::uuid, ${input.reportId}::uuid, ${input.userId}::uuid, ${keyId}, ${expiresAt}, ${input.channel})
      on conflict (report_id, user_id, expires_at, key_id) do update set channel = download_links.channel
      returning revoked_at is not null as revoked`;
    if (!link!.revoked) return { url: signDownloadUrl(input.appUrl, { reportId: input.reportId, userId: input.userId, expires }, input.keys), expiresAt };
  }
}

/**
 * The row of a link whose signature checked out; null if it was never issued.
 * A link made for a user an admin has removed counts as revoked (from the
 * removal on), whenever it was issued: even one a worker emails afterwards.
 */
export async function findIssuedLink(db: PrismaClient, claims: DownloadLinkClaims): Promise<DownloadLink | null> {
  const [link, user] = await Promise.all([
    db.downloadLink.findUnique({
      where: {
        reportId_userId_expiresAt_keyId: { reportId: claims.reportId, userId: claims.userId, expiresAt: new Date(claims.expires * 1000), keyId: claims.keyId },
      },
    }),
    db.user.findUnique({ where: { id: claims.userId }, select: { removedAt: true } }),
  ]);
  if (!link) return null;
  const removedAt = user ? user.removedAt : new Date(0);
  return removedAt && !link.revokedAt ? { ...link, revokedAt: removedAt } : link;
}

/** Revokes every unexpired link to a report; answers how many. */
export async function revokeDownloadLinks(db: PrismaClient, reportId: string): Promise<number> {
  const { count } = await db.downloadLink.updateMany({ where: { reportId, revokedAt: null, expiresAt: { gt: new Date() } }, data: { revokedAt: new Date() } });
  return count;
}
