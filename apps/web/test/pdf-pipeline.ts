// One report's PDF from end to end, on the storage STORAGE_URL names: asked for
// through POST /api/reports, rendered by a worker (in this process) into
// storage, emailed with the PDF attached (read back from storage), and
// downloaded through GET /reports/:id/download — by the owner's session and by
// the emailed signed link — byte for byte the attachment. Run by
// pdf-storage-file.int.test.ts and pdf-storage-s3.int.test.ts (each its own
// process: the web app's env and storage are read once per process).
import { createMailTransport } from "@backline/mail";
import { parseStorageUrl } from "@backline/config";
import { createStorage, type Storage } from "@backline/storage";
import { startSmtpSink, testWorkerSettings, waitUntil, type SmtpSink } from "@backline/test-kit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReportWorker, type RunningWorker } from "../../worker/src/report-worker.ts";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

export function pdfPipelineTests(kind: "file" | "s3", settings: () => Promise<{ env: Record<string, string>; close(): Promise<void> }>) {
  let app: WebApp;
  let smtp: SmtpSink;
  let storage: Storage;
  let worker: RunningWorker;
  let stack: Awaited<ReturnType<typeof settings>>;

  beforeAll(async () => {
    stack = await settings();
    smtp = await startSmtpSink();
    app = await startWebApp(stack.env);
    const env = stack.env;
    storage = await createStorage({
      REPORTS_DIR: env.REPORTS_DIR ?? "/nonexistent",
      STORAGE_URL: env.STORAGE_URL ? parseStorageUrl(env.STORAGE_URL)! : undefined,
      S3_ENDPOINT: env.S3_ENDPOINT,
      AWS_REGION: env.AWS_REGION,
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
    });
    expect(storage.kind).toBe(kind);
    worker = await startReportWorker({
      redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
      prefix: app.prefix,
      concurrency: 1,
      context: {
        db: app.db,
        mail: createMailTransport(smtp.url),
        log: pino({ level: "silent" }),
        env: testWorkerSettings(env.REPORTS_DIR ?? "/nonexistent", APP_URL),
        storage,
      },
    });
  });
  afterAll(async () => {
    await worker?.close();
    storage?.close();
    await app?.close();
    await smtp?.close();
    await stack?.close();
  });

  describe(`a report's PDF in ${kind} storage`, () => {
    it("is rendered into storage, emailed as an attachment, and downloaded through the web route, byte for byte", async () => {
      const cookie = await app.signIn("pia@example.com");
      const asked = await app.fetch("/api/reports", { method: "POST", cookie, json: { type: "sales-summary", params: { groupBy: "week" } } });
      expect(asked.status).toBe(202);
      const { id } = (await asked.json()) as { id: string };
      const report = await waitUntil(
        async () => {
          const row = await app.db.report.findUniqueOrThrow({ where: { id } });
          return row.status === "sent" || row.status === "failed" ? row : null;
        },
        { what: "the report to be sent", timeoutMs: 120_000 },
      );
      expect(report).toMatchObject({ status: "sent", filePath: `${id}-a1.pdf` });

      // In storage, where the row says, and nothing else of this report.
      const stored = await storage.stat(report.filePath!);
      expect(stored?.size).toBe(report.fileBytes);
      const keys: string[] = [];
      for await (const o of storage.list()) if (o.key.startsWith(id)) keys.push(o.key);
      expect(keys).toEqual([`${id}-a1.pdf`]);

      // The email carries that PDF.
      const [email] = smtp.byReport.get(id) ?? [];
      const attachment = email?.parsed?.attachments.find((a) => a.contentType === "application/pdf");
      expect(attachment?.content.length).toBe(report.fileBytes);
      expect(attachment!.content.subarray(0, 5).toString("latin1")).toBe("%PDF-");

      // The owner downloads it; so does whoever holds the emailed link; both are recorded.
      const bySession = await app.fetch(`/reports/${id}/download`, { cookie });
      expect(bySession.status).toBe(200);
      expect(bySession.headers.get("content-length")).toBe(String(report.fileBytes));
      expect(bySession.headers.get("content-disposition")).toMatch(/^attachment; filename="sales-summary/);
      expect(Buffer.from(await bySession.arrayBuffer()).equals(attachment!.content)).toBe(true);
      const link = new URL(/https?:\/\/\S+\/reports\/[^\s"<>]+\/download\?[^\s"<>]+/.exec(email!.parsed!.text ?? "")![0].replace(/&amp;/g, "&"));
      const byLink = await app.fetch(link.pathname + link.search);
      expect(byLink.status).toBe(200);
      expect(Buffer.from(await byLink.arrayBuffer()).equals(attachment!.content)).toBe(true);
      expect(await app.db.download.count({ where: { reportId: id } })).toBe(2);

      // Someone else's session finds nothing; a PDF gone from storage is a 404, not a broken stream.
      const other = await app.signIn("quinn@example.com");
      expect((await app.fetch(`/reports/${id}/download`, { cookie: other })).status).toBe(404);
      await storage.delete(report.filePath!);
      expect((await app.fetch(`/reports/${id}/download`, { cookie })).status).toBe(404);
    });

    it("/api/ready checks the storage too", async () => {
      const ready = await (await app.fetch("/api/ready")).json();
      expect(ready).toEqual({ ready: true, problems: [] });
    });
  });
}
