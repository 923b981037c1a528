// Runs one report end to end into an output: query, draw, stream. The output
// publishes the PDF only when it is complete (a file renamed into place, an
// upload completed), so a reader never sees half of one; a failed or cancelled
// render leaves nothing behind. A slow output holds the drawing back between
// pages, so memory stays bounded whatever the page count.
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import type { Writable } from "node:stream";
import type { PrismaClient } from "@backline/db";
import type { RenderProgress, ReportHighlights } from "./define.ts";
import { EmptyReportError } from "./errors.ts";
import { createFormat } from "./format.ts";
import type { ParsedReport } from "./parse-report.ts";
import { createReportDocument } from "./pdf/document.ts";
import { endStructure } from "./pdf/structure.ts";
import { pageGeometry } from "./pdf/theme.ts";
import { parseRenderOptions, type RenderOptions } from "./render-options.ts";

/**
 * Where a PDF goes (packages/storage's ObjectWriter has this shape): bytes into
 * `stream`; `commit()` once it has ended makes the PDF visible; `abort()` on any
 * failure removes whatever was written.
 */
export interface PdfOutput {
  readonly stream: Writable;
  commit(): Promise<{ bytes: number }>;
  abort(): Promise<void>;
}

/** Bytes drawn but not yet taken by the output past which drawing waits (a few pages' worth). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface RenderReportOptions extends Partial<RenderOptions> {
  /** The type and its parameters, from parseReport. */
  report: ParsedReport;
  /** Already-queried data (tests, re-renders). When absent, `db` is queried. */
  data?: unknown;
  db?: PrismaClient;
  reportId: string;
  generatedAt: Date;
  onProgress?: (progress: RenderProgress) => void;
  signal?: AbortSignal;
  /** Stop before drawing, with an EmptyReportError, when the type says its data is empty. */
  skipIfEmpty?: boolean;
}

export interface RenderReportResult {
  pages: number;
  bytes: number;
  /** One paragraph for the email body, in the render's locale. */
  summary: string;
  /** What it covers and its headline figures, for the email. */
  highlights: ReportHighlights;
  /** Attachment name, e.g. "sales-summary-2026-10-01-to-2026-10-31.pdf". */
  fileName: string;
  /** The paper size and locale it was rendered with (validated, defaults filled in). */
  options: RenderOptions;
}

/** The language of the PDF's words (labels are English): the locale itself when it is English, else "en". */
function documentLanguage(locale: string): string {
  return locale === "en" || locale.startsWith("en-") ? locale : "en";
}

/** renderReport into a file (`<filePath>.partial`, renamed into place when complete): tests, tools and the bench's baseline. */
export async function renderReportToFile(options: RenderReportOptions & { filePath: string }): Promise<RenderReportResult> {
  return renderReport({ ...options, output: () => fileOutput(options.filePath) });
}

function fileOutput(filePath: string): PdfOutput {
  const partialPath = `${filePath}.partial`;
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  const stream = fs.createWriteStream(partialPath);
  let created = false;
  stream.once("open", () => void (created = true));
  let done = false;
  return {
    stream,
    async commit() {
      if (!stream.writableFinished) await once(stream, "finish"); // rejects on 'error'
      await fs.promises.rename(partialPath, filePath);
      done = true;
      return { bytes: stream.bytesWritten };
    },
    async abort() {
      if (done) return;
      done = true;
      stream.destroy();
      // Wait until the file is closed (its open may still be pending), then delete it, but only if this output made it.
      if (!stream.closed) await once(stream, "close").catch(() => {});
      if (created) await fs.promises.rm(partialPath, { force: true }).catch(() => {});
    },
  };
}

export async function renderReport(options: RenderReportOptions & { output: () => PdfOutput | Promise<PdfOutput> }): Promise<RenderReportResult> {
  const { type, params } = options.report;
  const renderOptions = parseRenderOptions({
    ...(options.paperSize !== undefined && { paperSize: options.paperSize }),
    ...(options.locale !== undefined && { locale: options.locale }),
  });
  const format = createFormat(renderOptions.locale);
  const page = pageGeometry(renderOptions.paperSize);
  options.signal?.throwIfAborted();
  let data = options.data;
  if (data === undefined) {
    if (!options.db) throw new TypeError("renderReport needs either `data` or `db`");
    data = await type.query(options.db, params);
  }
  options.signal?.throwIfAborted();
  if (options.skipIfEmpty && type.isEmpty(data)) throw new EmptyReportError();

  const summary = type.summarize(data, format);
  // Document properties show the subject as plain text: without the bidi isolate marks around names.
  const subject = summary.replace(/[\u2066-\u2069]/g, "");
  const doc = createReportDocument({ title: type.title, subject, creationDate: options.generatedAt, lang: documentLanguage(format.locale), page });
  let pages = 0;
  doc.on("pageAdded", () => void (pages += 1));
  const output = await options.output();
  const file = output.stream;

  // A write error (disk full, permissions, the upload refused) cancels the render at the next page
  // instead of drawing the rest into nowhere.
  const writeFailed = new AbortController();
  file.on("error", (err) => writeFailed.abort(err));
  const signal = options.signal ? AbortSignal.any([options.signal, writeFailed.signal]) : writeFailed.signal;
  /** Between pages: wait while the output is behind by more than a few pages (pdfkit itself never waits). */
  const room = async () => {
    while (!signal.aborted && doc.readableLength + file.writableLength > MAX_BUFFERED_BYTES) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 50);
        function done() {
          clearTimeout(timer);
          file.off("drain", done);
          resolve();
        }
        file.once("drain", done);
      });
    }
  };

  try {
    doc.pipe(file);
    await type.render(doc, data, {
      reportId: options.reportId,
      generatedAt: options.generatedAt,
      onProgress: options.onProgress ?? (() => {}),
      signal,
      page,
      format,
      room,
    });
    endStructure(doc);
    doc.end();
    const { bytes } = await output.commit(); // rejects on a write error
    if (writeFailed.signal.aborted) throw writeFailed.signal.reason;
    return {
      pages,
      bytes,
      summary,
      highlights: type.highlights(data, format),
      fileName: type.fileName(params),
      options: renderOptions,
    };
  } catch (err) {
    // The first failure is the one to report; tearing down the stream below can raise more.
    const cause: unknown = writeFailed.signal.aborted ? writeFailed.signal.reason : err;
    doc.unpipe(file);
    await output.abort();
    throw cause;
  }
}
