// Runs one report end to end into a file: query, draw, stream to disk. The PDF
// is written beside its final name and renamed into place when complete, so a
// reader never sees half a file; a failed or cancelled render leaves nothing behind.
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@backline/db";
import type { RenderProgress, ReportHighlights } from "./define.ts";
import { EmptyReportError } from "./errors.ts";
import { createFormat } from "./format.ts";
import type { ParsedReport } from "./parse-report.ts";
import { createReportDocument } from "./pdf/document.ts";
import { endStructure } from "./pdf/structure.ts";
import { pageGeometry } from "./pdf/theme.ts";
import { parseRenderOptions, type RenderOptions } from "./render-options.ts";

export interface RenderReportOptions extends Partial<RenderOptions> {
  /** The type and its parameters, from parseReport. */
  report: ParsedReport;
  /** Already-queried data (tests, re-renders). When absent, `db` is queried. */
  data?: unknown;
  db?: PrismaClient;
  filePath: string;
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

export async function renderReportToFile(options: RenderReportOptions): Promise<RenderReportResult> {
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
    if (!options.db) throw new TypeError("renderReportToFile needs either `data` or `db`");
    data = await type.query(options.db, params);
  }
  options.signal?.throwIfAborted();
  if (options.skipIfEmpty && type.isEmpty(data)) throw new EmptyReportError();

  await fs.promises.mkdir(path.dirname(options.filePath), { recursive: true });
  const summary = type.summarize(data, format);
  // Document properties show the subject as plain text: without the bidi isolate marks around names.
  const subject = summary.replace(/[\u2066-\u2069]/g, "");
  const doc = createReportDocument({ title: type.title, subject, creationDate: options.generatedAt, lang: documentLanguage(format.locale), page });
  let pages = 0;
  doc.on("pageAdded", () => void (pages += 1));
  const partialPath = `${options.filePath}.partial`;
  const file = fs.createWriteStream(partialPath);
  let created = false;
  file.once("open", () => void (created = true));

  // A write error (disk full, permissions) cancels the render at the next page
  // instead of drawing the rest into nowhere.
  const writeFailed = new AbortController();
  file.on("error", (err) => writeFailed.abort(err));
  const signal = options.signal ? AbortSignal.any([options.signal, writeFailed.signal]) : writeFailed.signal;

  try {
    doc.pipe(file);
    await type.render(doc, data, {
      reportId: options.reportId,
      generatedAt: options.generatedAt,
      onProgress: options.onProgress ?? (() => {}),
      signal,
      page,
      format,
    });
    endStructure(doc);
    doc.end();
    if (!file.writableFinished) await once(file, "finish"); // rejects on 'error'
    if (writeFailed.signal.aborted) throw writeFailed.signal.reason;
    await fs.promises.rename(partialPath, options.filePath);
    return {
      pages,
      bytes: file.bytesWritten,
      summary,
      highlights: type.highlights(data, format),
      fileName: type.fileName(params),
      options: renderOptions,
    };
  } catch (err) {
    // The first failure is the one to report; tearing down the stream below can raise more.
    const cause: unknown = writeFailed.signal.aborted ? writeFailed.signal.reason : err;
    doc.unpipe(file);
    file.destroy();
    // Wait until the file is closed (its open may still be pending), then delete
    // it, but only if this call created it.
    if (!file.closed) await once(file, "close").catch(() => {});
    if (created) await fs.promises.rm(partialPath, { force: true }).catch(() => {});
    throw cause;
  }
}
