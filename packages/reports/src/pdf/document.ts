// Creates the streaming pdfkit document every report draws into: tagged
// (PDF/UA-1 identification, structure tree, document language and title shown
// as the window title), PDF 1.7, fonts embedded and subsetted.
import PDFDocument from "pdfkit";
import { startStructure } from "./structure.ts";
import type { PageGeometry } from "./theme.ts";

export interface DocumentMeta {
  title: string;
  subject?: string;
  creationDate: Date;
  /** BCP 47 language of the document's text (the Catalog's /Lang). */
  lang: string;
  page: PageGeometry;
}

// pdfkit copies Title and Subject into the XMP metadata without escaping them
// as XML, so "Smith & Sons" would make the metadata unreadable (PDF/UA needs it).
const XML_SPECIAL = /[&<>"']/g;
const xmlEscape = (s: string) => s.replace(XML_SPECIAL, (c) => `&#${c.charCodeAt(0)};`);

export function createReportDocument(meta: DocumentMeta): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    size: meta.page.size,
    // pdfkit's own margins are zero: layout is explicit (see theme.ts), and a
    // non-zero bottom margin is what makes pdfkit add pages by itself.
    margin: 0,
    // Pages are added by PageSequence, which knows the total page count.
    autoFirstPage: false,
    // Each page is flushed as soon as the next one starts; the file is never held in memory.
    bufferPages: false,
    // No default font: pdfkit would load Helvetica's metrics for every document, and all text goes through fonts.ts.
    font: null as unknown as string,
    pdfVersion: "1.7",
    tagged: true,
    lang: meta.lang,
    displayTitle: true,
    subset: "PDF/UA" as PDFKit.Mixins.PDFSubsets,
    info: {
      Title: meta.title,
      Author: "Backline",
      Creator: "Backline reports",
      ...(meta.subject ? { Subject: meta.subject } : {}),
      CreationDate: meta.creationDate,
    },
  });
  const internal = doc as unknown as { _addInfo: () => void; info: Record<string, unknown> };
  const addInfo = internal._addInfo;
  internal._addInfo = function (this: typeof internal) {
    const info = this.info;
    this.info = Object.fromEntries(Object.entries(info).map(([k, v]) => [k, typeof v === "string" ? xmlEscape(v) : v]));
    try {
      addInfo.call(this);
    } finally {
      this.info = info;
    }
  };
  batchOutput(doc);
  batchPageContent(doc);
  startStructure(doc);
  return doc;
}

const BATCH_BYTES = 64 * 1024;

/**
 * pdfkit pushes every line it writes (each object header, dictionary and
 * "endobj") to the stream as its own chunk; a tagged report writes thousands of
 * small structure objects, and the stream machinery per chunk costs more than
 * writing them. Chunks are gathered and handed on 64 KB at a time (and at the end),
 * so memory stays bounded and pdfkit's byte offsets are untouched.
 */
function batchOutput(doc: PDFKit.PDFDocument): void {
  const push = doc.push.bind(doc);
  let pending: Uint8Array[] = [];
  let bytes = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const chunk = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending, bytes);
    pending = [];
    bytes = 0;
    push(chunk);
  };
  doc.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk === null) {
      flush();
      return push(null);
    }
    if (!(chunk instanceof Uint8Array)) {
      flush();
      return push(chunk, encoding);
    }
    pending.push(chunk);
    bytes += chunk.length;
    if (bytes >= BATCH_BYTES) flush();
    return true;
  };
  // A page's content is complete when the next page starts: hand on what is gathered then too.
  doc.on("pageAdded", flush);
}

/**
 * pdfkit turns every operator line of a page's content (each BT, Tf, TJ, BDC, …)
 * into a small byte array as it is written; a tagged page has thousands. The
 * lines are kept as strings and converted once, when the page's content ends.
 */
function batchPageContent(doc: PDFKit.PDFDocument): void {
  doc.on("pageAdded", () => {
    const content = (doc as unknown as { page: { content: { write: (chunk: unknown) => void; end: (chunk?: unknown) => void } } }).page.content;
    const write = content.write.bind(content);
    const end = content.end.bind(content);
    let lines: string[] = [];
    const flush = () => {
      if (lines.length === 0) return;
      // write() adds the last line's "\n" itself.
      write(lines.join("\n"));
      lines = [];
    };
    content.write = (chunk: unknown) => {
      if (typeof chunk === "string") lines.push(chunk);
      else {
        flush();
        write(chunk);
      }
    };
    content.end = (chunk?: unknown) => {
      flush();
      end(chunk);
    };
  });
}
