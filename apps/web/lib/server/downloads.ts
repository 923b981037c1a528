// Serving a report's PDF: who may, and the record of each download.
// The bytes stream through this process from storage (a folder, or an S3 bucket)
// rather than redirecting to a presigned URL: every download stays behind the
// same checks — the owner's session or a signed, revocable link, checked and
// recorded at the moment of the download — the bucket and its endpoint never
// need to be reachable from browsers, and the answer keeps this app's headers
// (no-store, attachment, CSP). Memory stays flat: a stream, never a buffer.
import "server-only";
import { Readable } from "node:stream";
import { isDownloadable, type Report } from "@backline/db";
import { parseReport } from "@backline/reports";
import { clientIp } from "./client-ip";
import { reportService } from "./reports";
import { PLAIN_PAGE_CSP, plainPage } from "./plain-page";
import { storage } from "./storage";

/** The PDF as an attachment, after recording who downloaded it (a download that can't be recorded doesn't happen). */
export async function servePdf(report: Report, request: Request, who: { userId: string; linkId?: string }): Promise<Response | null> {
  if (!report.filePath || !isDownloadable(report.status)) return null;
  const store = await storage();
  const stored = await store.stat(report.filePath);
  if (!stored) return null;
  await reportService().recordDownload({
    reportId: report.id,
    userId: who.userId,
    linkId: who.linkId,
    ip: clientIp(request.headers),
    userAgent: request.headers.get("user-agent")?.slice(0, 512) ?? null,
  });
  return new Response(Readable.toWeb(store.read(report.filePath)) as ReadableStream, {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Length": String(stored.size),
      "Content-Disposition": contentDisposition(pdfFileName(report)),
      "Cache-Control": "no-store",
      "Content-Security-Policy": PLAIN_PAGE_CSP,
    },
  });
}

function pdfFileName(report: Report): string {
  const parsed = parseReport(report.type, report.params);
  return parsed.ok ? parsed.report.type.fileName(parsed.report.params) : `${report.type}.pdf`;
}

/** An ASCII fallback plus the RFC 5987 form, so no name can break out of the header. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\w.-]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * The page a bad link lands on. Expired and revoked links (410) offer a fresh
 * one: the button asks the API, which checks the visitor is the signed-in owner.
 */
export function linkProblemPage(status: 403 | 404 | 410, reportId: string | null, message: string): Response {
  const fresh =
    status === 410 && reportId
      ? `<form method="post" action="/api/reports/${reportId}/download-links"><button type="submit">Get a fresh link</button></form>
<p class="hint">You'll be asked to sign in first if you aren't.</p>`
      : undefined;
  const title = status === 410 ? "This download link no longer works" : status === 404 ? "Report not found" : "This download link is not valid";
  return plainPage(status, title, message, fresh);
}
