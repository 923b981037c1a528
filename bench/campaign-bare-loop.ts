// The campaign benchmark's baseline, run as its own process (one per core, like
// the workers): read one customer's statement data once, then render that same
// one-page statement and email it as a campaign email, BENCH_COUNT times in a
// plain loop — no ledger, no claims, no queue, no database. Whatever the
// campaign senders are slower than this is the cost of the machinery that makes
// them safe (claims, fencing, one email per customer, pause/resume).
//
// Protocol (JSON lines on stdout), as bench/bare-loop.ts: {"event":"ready"}
// once the data is loaded; it waits for SIGUSR2 so parallel loops start
// together, prints {"event":"progress", count} lines, then {"event":"done",
// startedAt, endedAt, count, bytes}.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { optOutUrl } from "@backline/campaigns";
import { createPrismaClient } from "@backline/db";
import { buildCampaignEmail, campaignMessageId, createMailTransport } from "@backline/mail";
import { parseReportOrThrow, renderReportToFile } from "@backline/reports";
import { TEST_SECRETS } from "@backline/test-kit";
import { emit, readyThenWaitForStart } from "./loop-signal.ts";

const count = Number(process.env.BENCH_COUNT ?? 0);
const outDir = process.env.BENCH_OUT_DIR!;
const customerId = Number(process.env.BENCH_CUSTOMER_ID);
const month = process.env.BENCH_MONTH!;
const appUrl = process.env.APP_URL ?? "http://localhost:3000";
if (!(count > 0) || !outDir || !(customerId > 0) || !month || !process.env.DATABASE_URL || !process.env.SMTP_URL) {
  console.error("campaign-bare-loop: BENCH_COUNT, BENCH_OUT_DIR, BENCH_CUSTOMER_ID, BENCH_MONTH, DATABASE_URL and SMTP_URL are required");
  process.exit(2);
}

const report = parseReportOrThrow("customer-statement", { customerId, month });
const db = createPrismaClient(process.env.DATABASE_URL);
const data = await report.type.query(db, report.params);
const customer = await db.customer.findUniqueOrThrow({ where: { id: customerId }, select: { email: true } });
await db.$disconnect();

const mail = createMailTransport(process.env.SMTP_URL);
const from = "Backline <reports@backline.localhost>";
const filePath = path.join(outDir, `campaign-bare-${process.pid}.pdf`);
fs.mkdirSync(outDir, { recursive: true });
const campaignId = randomUUID();

await readyThenWaitForStart("campaign-bare-loop");

const startedAt = Date.now();
let bytes = 0;
for (let i = 0; i < count; i++) {
  const recipientId = BigInt(i + 1);
  const rendered = await renderReportToFile({ report, data, filePath, reportId: `bare-${i}`, generatedAt: new Date() });
  bytes += rendered.bytes;
  await mail.sendMail(
    buildCampaignEmail({
      campaignId,
      recipientId,
      to: customer.email,
      from,
      appUrl,
      title: report.type.title,
      summary: rendered.summary,
      highlights: rendered.highlights,
      fileName: rendered.fileName,
      pdf: filePath,
      fileBytes: rendered.bytes,
      attachmentMaxBytes: 10 * 1024 * 1024,
      messageId: campaignMessageId({ campaignId, customerId: i + 1, from }),
      unsubscribeUrl: optOutUrl(appUrl, recipientId, TEST_SECRETS.DOWNLOAD_LINK_SECRET),
    }),
  );
  if ((i + 1) % 20 === 0) emit("progress", { count: i + 1 });
}
emit("done", { startedAt, endedAt: Date.now(), count, bytes });
mail.close();
