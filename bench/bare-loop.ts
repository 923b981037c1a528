// The pipeline's baseline, run as its own process (like a worker) so it gets
// its own core and event loop: query the sales-summary data once, then render
// the same PDF and email it, BENCH_COUNT times in a plain loop — no queue, no
// status rows, no progress writes, no download-link row (the link in the
// email is signed the same way, just not recorded). Whatever the worker is slower than this is
// the cost of the queue/DB machinery around the same work.
//
// Protocol (JSON lines on stdout): {"event":"ready"} once connected and the
// data is loaded; it then waits for SIGUSR2 (so parallel loops start
// together), runs, and prints {"event":"progress"} lines and a final
// {"event":"done", startedAt, endedAt, count, bytes, pages}.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createPrismaClient } from "@backline/db";
import { buildReportEmail, createMailTransport } from "@backline/mail";
import { signDownloadUrl } from "@backline/report-service";
import { parseReportOrThrow, renderReportToFile, salesSummary, type SalesSummaryParams } from "@backline/reports";
import { TEST_SECRETS } from "@backline/test-kit";
import { emit, readyThenWaitForStart } from "./loop-signal.ts";

const count = Number(process.env.BENCH_COUNT ?? 0);
const outDir = process.env.BENCH_OUT_DIR!;
const appUrl = process.env.APP_URL ?? "http://localhost:3000";
if (!(count > 0) || !outDir || !process.env.DATABASE_URL || !process.env.SMTP_URL) {
  console.error("bare-loop: BENCH_COUNT, BENCH_OUT_DIR, DATABASE_URL and SMTP_URL are required");
  process.exit(2);
}

// The same parameters the web app stores for {"type":"sales-summary"}: all defaults.
const report = parseReportOrThrow(salesSummary.id, {});
const params = report.params as SalesSummaryParams;
// The worker emails a signed download link valid for DOWNLOAD_LINK_TTL_HOURS (default a week).
const LINK_TTL_S = 7 * 24 * 3600;
const ownerId = randomUUID();
const db = createPrismaClient(process.env.DATABASE_URL);
const data = await salesSummary.query(db, params);
await db.$disconnect();

// Same transport settings as the worker (one new SMTP connection per message, no pool).
const mail = createMailTransport(process.env.SMTP_URL);
const filePath = path.join(outDir, `bare-${process.pid}.pdf`);
fs.mkdirSync(outDir, { recursive: true });

await readyThenWaitForStart("bare-loop");

const startedAt = Date.now();
let bytes = 0;
let pages = 0;
for (let i = 0; i < count; i++) {
  const reportId = randomUUID();
  const result = await renderReportToFile({ report, data, filePath, reportId, generatedAt: new Date() });
  bytes += result.bytes;
  pages += result.pages;
  const expires = Math.floor(Date.now() / 1000) + LINK_TTL_S;
  await mail.sendMail(
    buildReportEmail({
      reportId,
      to: "bench@example.com",
      from: "Backline <reports@backline.localhost>",
      appUrl,
      title: salesSummary.title,
      summary: result.summary,
      fileName: result.fileName,
      pdf: filePath,
      fileBytes: result.bytes,
      attachmentMaxBytes: 10 * 1024 * 1024,
      downloadUrl: signDownloadUrl(appUrl, { reportId, userId: ownerId, expires }, { secret: TEST_SECRETS.DOWNLOAD_LINK_SECRET }),
      downloadExpiresAt: new Date(expires * 1000),
    }),
  );
  if ((i + 1) % 10 === 0 || i + 1 === count) emit("progress", { done: i + 1 });
}
const endedAt = Date.now();
mail.close();
fs.rmSync(filePath, { force: true });
emit("done", { startedAt, endedAt, count, bytes, pages });
