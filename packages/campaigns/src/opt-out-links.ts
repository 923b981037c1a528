// The one-click unsubscribe link in each campaign email (RFC 8058): it records
// that the recipient's address wants no more campaign email, which every later
// campaign honours (audience.ts writes such recipients as skipped, the sender
// checks again before sending). The link is the permission — an HMAC of the
// recipient row's id under the download-link keys, which rotate.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "@backline/db";

export interface OptOutKeys {
  secret: string;
  previousSecrets?: string[];
}

const sign = (secret: string, recipientId: bigint) => createHmac("sha256", secret).update(`backline-campaign-opt-out-v1:${recipientId}`).digest();

export function optOutUrl(appUrl: string, recipientId: bigint, secret: string): string {
  const url = new URL(`/opt-out/${recipientId}`, appUrl);
  url.searchParams.set("sig", sign(secret, recipientId).toString("base64url"));
  return url.toString();
}

export function checkOptOutSignature(recipientId: bigint, sig: string, keys: OptOutKeys): boolean {
  const given = Buffer.from(sig, "base64url");
  return [keys.secret, ...(keys.previousSecrets ?? [])].some((secret) => {
    const expected = sign(secret, recipientId);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** The address behind a genuine link, or null. */
export async function optOutAddress(db: PrismaClient, recipientId: string, sig: string, keys: OptOutKeys): Promise<string | null> {
  if (!/^\d{1,18}$/.test(recipientId)) return null;
  const id = BigInt(recipientId);
  if (!checkOptOutSignature(id, sig, keys)) return null;
  const row = await db.campaignRecipient.findUnique({ where: { id }, select: { email: true } });
  return row?.email ?? null;
}

/** Records the opt-out (idempotent) and skips the address's recipients still pending in running campaigns. */
export async function recordOptOut(db: PrismaClient, recipientId: string, sig: string, keys: OptOutKeys): Promise<string | null> {
  const email = await optOutAddress(db, recipientId, sig, keys);
  if (!email) return null;
  const row = await db.campaignRecipient.findUniqueOrThrow({ where: { id: BigInt(recipientId) }, select: { campaignId: true } });
  await db.$transaction([
    db.emailOptOut.upsert({ where: { email }, create: { email, campaignId: row.campaignId }, update: {} }),
    db.campaignRecipient.updateMany({ where: { email, status: "pending" }, data: { status: "skipped", failureReason: "Opted out of campaign email" } }),
  ]);
  return email;
}
