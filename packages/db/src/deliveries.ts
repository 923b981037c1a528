// At most one email per report and recipient. A worker sends only after it
// claims the delivery (pending → sending, a conditional update), and records
// the server's answer after. The one window SMTP can't close — the connection
// breaks after the message data, before the server's reply — leaves the row in
// `sending`; the next claim after the lease sees that, says so, and resends
// with the same Message-ID so the recipient's mail system can tell it's a copy.
import type { Delivery, PrismaClient } from "./generated/prisma/client.ts";

/** How long a `sending` claim is honoured before we assume its worker is gone. */
export const DELIVERY_LEASE_MS = 30_000;

export type DeliveryClaim =
  | { outcome: "claimed"; delivery: Delivery; ambiguous: boolean }
  | { outcome: "already-sent"; delivery: Delivery }
  | { outcome: "busy"; delivery: Delivery };

export async function claimDelivery(
  db: PrismaClient,
  input: { reportId: string; recipient: string; messageId: string; leaseMs?: number },
): Promise<DeliveryClaim> {
  const key = { reportId_recipient: { reportId: input.reportId, recipient: input.recipient } };
  await db.delivery.createMany({ data: [{ reportId: input.reportId, recipient: input.recipient, messageId: input.messageId }], skipDuplicates: true });

  const fresh = await db.delivery.updateMany({
    where: { reportId: input.reportId, recipient: input.recipient, status: "pending" },
    data: { status: "sending", claims: { increment: 1 }, claimedAt: new Date() },
  });
  if (fresh.count === 1) return { outcome: "claimed", delivery: await db.delivery.findUniqueOrThrow({ where: key }), ambiguous: false };

  const current = await db.delivery.findUniqueOrThrow({ where: key });
  if (current.status === "sent") return { outcome: "already-sent", delivery: current };
  const leaseOver = !current.claimedAt || Date.now() - current.claimedAt.getTime() > (input.leaseMs ?? DELIVERY_LEASE_MS);
  if (!leaseOver) return { outcome: "busy", delivery: current };
  // Take over only the exact claim we looked at (its count is the version), so two takers can't both win.
  const taken = await db.delivery.updateMany({
    where: { id: current.id, status: "sending", claims: current.claims },
    data: { claims: { increment: 1 }, claimedAt: new Date() },
  });
  if (taken.count === 0) return { outcome: "busy", delivery: current };
  return { outcome: "claimed", delivery: await db.delivery.findUniqueOrThrow({ where: key }), ambiguous: true };
}

export async function markDeliverySent(db: PrismaClient, id: bigint, smtpResponse: string): Promise<void> {
  await db.delivery.updateMany({ where: { id, status: "sending" }, data: { status: "sent", sentAt: new Date(), smtpResponse: smtpResponse.slice(0, 500) } });
}

/** The server refused before taking the message, or we never reached it: nothing was sent. */
export async function releaseDelivery(db: PrismaClient, id: bigint, smtpResponse: string | null): Promise<void> {
  await db.delivery.updateMany({ where: { id, status: "sending" }, data: { status: "pending", smtpResponse: smtpResponse?.slice(0, 500) ?? null } });
}
