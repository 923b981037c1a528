// At most one email per report and recipient. A worker sends only after it
// claims the delivery (pending → sending, a conditional update), and records
// the server's answer after. The one window SMTP can't close — the connection
// breaks after the message data, before the server's reply — leaves the row in
// `sending`; the next claim after the lease sees that, says so, and resends
// with the same Message-ID so the recipient's mail system can tell it's a copy.
import { Prisma, type Delivery, type PrismaClient } from "./generated/prisma/client.ts";

/**
 * How long a `sending` claim is honoured before we assume its worker is gone.
 * Another worker only gets the job once the first stopped renewing its job
 * lock (dead, or stuck for WORKER_LOCK_MS, 5 s by default), so this is a second
 * guard of the same length: by the time a takeover happens the lease has
 * usually run out, and a worker killed mid-send costs no extra wait.
 */
export const DELIVERY_LEASE_MS = 5_000;

/** The attempt's PDF that a claim would send. */
interface DeliveryFile {
  path: string;
  bytes: number;
  pages: number;
}

export type DeliveryClaim =
  | { outcome: "claimed"; delivery: Delivery; ambiguous: boolean }
  | { outcome: "already-sent"; delivery: Delivery }
  | { outcome: "busy"; delivery: Delivery }
  /** The report is no longer emailing at this attempt: another worker took it over, or it was cancelled. */
  | { outcome: "superseded" };

/**
 * Claims the right to send. Fenced like every write of an attempt: a claim is
 * only made while the report is `emailing` at `attempt`, so a worker that was
 * paused past its job lock can't take over a claim from the worker that replaced it.
 */
export async function claimDelivery(
  db: PrismaClient,
  input: { reportId: string; attempt: number; recipient: string; messageId: string; file: DeliveryFile; leaseMs?: number },
): Promise<DeliveryClaim> {
  const { path, bytes, pages } = input.file;
  const key = { reportId_recipient: { reportId: input.reportId, recipient: input.recipient } };
  const current = Prisma.sql`exists (select 1 from reports where id = ${input.reportId}::uuid and status = 'emailing' and attempts = ${input.attempt}::int)`;
  // The usual case, in one round trip: the first claim creates the row already claimed.
  const created = await db.$queryRaw<Delivery[]>`
    insert into deliveries (report_id, recipient, message_id, status, claims, claimed_at, file_path, file_bytes, page_count)
    select ${input.reportId}::uuid, ${input.recipient}, ${input.messageId}, 'sending', 1, now(), ${path}, ${bytes}::int, ${pages}::int where ${current}
    on conflict (report_id, recipient) do nothing
    returning id, report_id::text as "reportId", recipient, status::text as status, message_id as "messageId", claims,
              smtp_response as "smtpResponse", file_path as "filePath", file_bytes as "fileBytes", page_count as "pageCount",
              claimed_at as "claimedAt", sent_at as "sentAt", created_at as "createdAt"`;
  if (created[0]) return { outcome: "claimed", delivery: created[0], ambiguous: false };

  // Released after a sure failure: claim it again. Raw SQL on purpose: the
  // condition and the write must be one statement (compare-and-set).
  const fresh = await db.$executeRaw`
    update deliveries set status = 'sending', claims = claims + 1, claimed_at = now(), file_path = ${path}, file_bytes = ${bytes}::int, page_count = ${pages}::int
    where report_id = ${input.reportId}::uuid and recipient = ${input.recipient} and status = 'pending' and ${current}`;
  if (fresh === 1) return { outcome: "claimed", delivery: await db.delivery.findUniqueOrThrow({ where: key }), ambiguous: false };

  const existing = await db.delivery.findUnique({ where: key });
  if (existing?.status === "sent") return { outcome: "already-sent", delivery: existing };
  if (!existing || existing.status === "pending") {
    // Both fenced writes changed nothing: the fence said no — or a release raced with us, and then it is still ours to claim.
    const [fence] = await db.$queryRaw<{ ours: boolean }[]>`select ${current} as ours`;
    return fence?.ours ? claimDelivery(db, input) : { outcome: "superseded" };
  }
  const leaseOver = !existing.claimedAt || Date.now() - existing.claimedAt.getTime() > (input.leaseMs ?? DELIVERY_LEASE_MS);
  if (!leaseOver) return { outcome: "busy", delivery: existing };
  // Take over only the exact claim we looked at (its count is the version), so two takers can't both win.
  const taken = await db.$executeRaw`
    update deliveries set claims = claims + 1, claimed_at = now(), file_path = ${path}, file_bytes = ${bytes}::int, page_count = ${pages}::int
    where id = ${existing.id} and status = 'sending' and claims = ${existing.claims} and ${current}`;
  if (taken === 0) return { outcome: "busy", delivery: existing };
  return { outcome: "claimed", delivery: await db.delivery.findUniqueOrThrow({ where: key }), ambiguous: true };
}

export async function markDeliverySent(db: PrismaClient, id: bigint, smtpResponse: string): Promise<void> {
  await db.$executeRaw`update deliveries set status = 'sent', sent_at = now(), smtp_response = ${smtpResponse.slice(0, 500)} where id = ${id} and status = 'sending'`;
}

/** The server refused before taking the message, or we never reached it: nothing was sent. */
export async function releaseDelivery(db: PrismaClient, id: bigint, smtpResponse: string | null): Promise<void> {
  await db.$executeRaw`update deliveries set status = 'pending', smtp_response = ${smtpResponse?.slice(0, 500) ?? null} where id = ${id} and status = 'sending'`;
}
