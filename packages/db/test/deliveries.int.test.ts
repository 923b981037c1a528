// At most one email per report and recipient: the claim protocol on a real database.
import { createScratchDatabase, type ScratchDatabase } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimDelivery,
  createPrismaClient,
  createReport,
  ensureUser,
  markDeliverySent,
  releaseDelivery,
  transitionReport,
  type PrismaClient,
} from "../src/index.ts";

let scratch: ScratchDatabase;
let db: PrismaClient;
beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPrismaClient(scratch.url);
});
afterAll(async () => {
  await db?.$disconnect();
  await scratch?.drop();
});

/** A report whose first attempt has rendered its PDF and is emailing it. */
async function newDelivery() {
  const report = await createReport(db, { type: "sales-summary", params: {}, owner: await ensureUser(db, "ana@example.com") });
  await transitionReport(db, report.id, "generating", { message: "Attempt started", newAttempt: true });
  const file = { path: `${report.id}-a1.pdf`, bytes: 1234, pages: 2 };
  await transitionReport(db, report.id, "emailing", { message: "PDF ready", attempt: 1, data: { filePath: file.path } });
  return { reportId: report.id, attempt: 1, recipient: "ana@example.com", messageId: `<report-${report.id}@test>`, file };
}

describe("claimDelivery", () => {
  it("lets exactly one of many concurrent claimers send", async () => {
    const input = await newDelivery();
    const claims = await Promise.all(Array.from({ length: 10 }, () => claimDelivery(db, input)));
    expect(claims.filter((c) => c.outcome === "claimed")).toHaveLength(1);
    const winner = claims.find((c) => c.outcome === "claimed")!.delivery;
    expect(winner).toMatchObject({
      reportId: input.reportId,
      status: "sending",
      claims: 1,
      messageId: input.messageId,
      filePath: input.file.path,
      fileBytes: 1234,
      pageCount: 2,
    });
    expect(typeof winner.id).toBe("bigint");
    expect(winner.claimedAt).toBeInstanceOf(Date);
    expect(claims.filter((c) => c.outcome === "busy")).toHaveLength(9);
  });

  it("never lets anyone send again once sent", async () => {
    const input = await newDelivery();
    const claim = await claimDelivery(db, input);
    if (claim.outcome !== "claimed") throw new Error("expected a claim");
    await markDeliverySent(db, claim.delivery.id, "250 OK: queued as 123");
    const again = await claimDelivery(db, { ...input, leaseMs: 0 });
    expect(again).toMatchObject({ outcome: "already-sent", delivery: { status: "sent", smtpResponse: "250 OK: queued as 123", claims: 1 } });
  });

  it("after a sure failure, the next claim is a normal one", async () => {
    const input = await newDelivery();
    const claim = await claimDelivery(db, input);
    if (claim.outcome !== "claimed") throw new Error("expected a claim");
    await releaseDelivery(db, claim.delivery.id, "421 try later");
    const next = await claimDelivery(db, input);
    expect(next).toMatchObject({ outcome: "claimed", ambiguous: false });
  });

  it("after an ambiguous failure, waits out the lease, then resends once, flagged, with the same Message-ID", async () => {
    const input = await newDelivery();
    const first = await claimDelivery(db, input);
    expect(first.outcome).toBe("claimed");
    // The worker died (or the connection broke after DATA): the row stays `sending`.
    expect((await claimDelivery(db, { ...input, leaseMs: 60_000 })).outcome).toBe("busy");
    // Ten seconds later its lease (5 s) has run out; two workers try to take over at once.
    await db.$executeRaw`update deliveries set claimed_at = now() - interval '10 seconds' where report_id = ${input.reportId}::uuid`;
    const takeovers = await Promise.all([claimDelivery(db, { ...input, leaseMs: 5000 }), claimDelivery(db, { ...input, leaseMs: 5000 })]);
    const won = takeovers.filter((c) => c.outcome === "claimed");
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ ambiguous: true, delivery: { claims: 2, messageId: input.messageId } });
  });

  it("is fenced: a superseded attempt can neither claim, nor re-claim after a release, nor take over an ambiguous claim", async () => {
    const input = await newDelivery();
    // Attempt 1 stalls; another worker starts attempt 2 of the same report.
    await transitionReport(db, input.reportId, "generating", { message: "Attempt started", newAttempt: true });
    expect(await claimDelivery(db, input)).toEqual({ outcome: "superseded" });
    expect(await db.delivery.count({ where: { reportId: input.reportId } })).toBe(0);

    // Attempt 2 reaches emailing and claims; the send fails for sure and is released.
    await transitionReport(db, input.reportId, "emailing", { message: "PDF ready", attempt: 2 });
    const second = { ...input, attempt: 2, file: { path: `${input.reportId}-a2.pdf`, bytes: 99, pages: 1 } };
    const claim = await claimDelivery(db, second);
    if (claim.outcome !== "claimed") throw new Error("expected attempt 2 to claim");
    await releaseDelivery(db, claim.delivery.id, "421 try later");
    expect(await claimDelivery(db, input)).toEqual({ outcome: "superseded" });

    // Attempt 2 claims again and its connection breaks after DATA; its lease runs out. Attempt 1 may not take over; attempt 2 may.
    expect((await claimDelivery(db, second)).outcome).toBe("claimed");
    await db.$executeRaw`update deliveries set claimed_at = now() - interval '10 seconds' where report_id = ${input.reportId}::uuid`;
    expect((await claimDelivery(db, { ...input, leaseMs: 5000 })).outcome).toBe("busy");
    expect(await claimDelivery(db, { ...second, leaseMs: 5000 })).toMatchObject({
      outcome: "claimed",
      ambiguous: true,
      delivery: { filePath: second.file.path },
    });
  });
});
