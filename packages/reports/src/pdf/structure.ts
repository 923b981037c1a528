// The tagged structure of a report (PDF/UA): what a screen reader, reflow or
// text extraction reads, in reading order. Every mark on a page is either
// content inside a structure element (headings, paragraphs, table cells, the
// chart as a Figure with alt text) or an Artifact (rules, fills, page footers,
// headers repeated on continuation pages).
//
// pdfkit tags content with marked-content sequences; a structure element's
// content is drawn by a closure run at once between BDC and EMC. Artifacts must
// not be drawn inside such a closure (pdfkit closes the open sequence first), so
// callers draw decorations and tagged text one after the other, never nested.
//
// A document that was not set up with `startStructure` (a bare pdfkit document
// in a unit test) draws the same marks without tags.

type Element = PDFKit.PDFStructureElement;

interface Tagging {
  stack: Element[];
}

const documents = new WeakMap<PDFKit.PDFDocument, Tagging>();

/** Options pdfkit takes beyond its type definitions: Layout placement and bbox, table header scope. */
export interface ElementOptions {
  title?: string;
  lang?: string;
  /** Alternative text (a Figure's description). */
  alt?: string;
  /** Replacement text, e.g. the logical order of text drawn in pieces. */
  actual?: string;
  /** Top-left-origin [x1, y1, x2, y2]. */
  bbox?: [number, number, number, number];
  placement?: "Block" | "Inline";
  /** For TH: which cells it heads. */
  scope?: "Row" | "Column" | "Both";
}

/** Adds the Document element every other element goes under. */
export function startStructure(doc: PDFKit.PDFDocument): void {
  const root = doc.struct("Document");
  doc.addStructure(root);
  documents.set(doc, { stack: [root] });
}

/** Ends every element still open (before doc.end()). */
export function endStructure(doc: PDFKit.PDFDocument): void {
  const tagging = documents.get(doc);
  if (!tagging) return;
  for (const element of tagging.stack.reverse()) element.end();
  documents.delete(doc);
}

export function isTagged(doc: PDFKit.PDFDocument): boolean {
  return documents.has(doc);
}

function create(doc: PDFKit.PDFDocument, tagging: Tagging, type: string, options: ElementOptions): Element {
  const element = doc.struct(type, options as PDFKit.Mixins.StructureElementOptions);
  // Added to an attached parent, it is attached at once, so closures added to it run now.
  (tagging.stack.at(-1) as Element).add(element);
  return element;
}

/**
 * Opens a grouping element (Sect, Table, THead, TBody, TR, L, …) under the
 * current one; elements made until `close` go inside it. Returns a token for close.
 */
export function open(doc: PDFKit.PDFDocument, type: string, options: ElementOptions = {}): Element | undefined {
  const tagging = documents.get(doc);
  if (!tagging) return undefined;
  const element = create(doc, tagging, type, options);
  tagging.stack.push(element);
  return element;
}

/** Closes the element `open` returned (and any opened inside it and left open). */
export function close(doc: PDFKit.PDFDocument, element: Element | undefined): void {
  const tagging = documents.get(doc);
  if (!tagging || !element) return;
  const at = tagging.stack.lastIndexOf(element);
  if (at < 1) throw new Error("Closing a structure element that is not open");
  for (const open of tagging.stack.splice(at).reverse()) open.end();
}

/**
 * Takes an open element off the stack without ending it, so it can be continued
 * later (a table across pages, with other content drawn in between); `resume`
 * puts it back.
 */
export function suspend(doc: PDFKit.PDFDocument, element: Element | undefined): void {
  const tagging = documents.get(doc);
  if (!tagging || !element) return;
  const at = tagging.stack.lastIndexOf(element);
  if (at < 1) throw new Error("Suspending a structure element that is not open");
  tagging.stack.splice(at);
}

/** Continues suspended elements (outermost first) under whatever is current. */
export function resume(doc: PDFKit.PDFDocument, ...elements: (Element | undefined)[]): void {
  const tagging = documents.get(doc);
  if (!tagging) return;
  for (const element of elements) if (element) tagging.stack.push(element);
}

/** Runs `inside` with `type` open around it. */
export function within<T>(doc: PDFKit.PDFDocument, type: string, inside: () => T, options: ElementOptions = {}): T {
  const element = open(doc, type, options);
  try {
    return inside();
  } finally {
    close(doc, element);
  }
}

/**
 * A leaf element (H1, H2, P, TH, TD, Figure, Caption, Span) whose marks are
 * drawn by `draw`, on one page, with no artifact inside.
 */
export function tag<T>(doc: PDFKit.PDFDocument, type: string, draw: () => T, options: ElementOptions = {}): T {
  const tagging = documents.get(doc);
  if (!tagging) return draw();
  const element = create(doc, tagging, type, options);
  let result: T | undefined;
  element.add(() => {
    result = draw();
  });
  element.end();
  return result as T;
}

export type ArtifactType = "Layout" | "Pagination" | "Page";

/** Marks that carry no content: decoration, page furniture, repeated headers. */
export function artifact(doc: PDFKit.PDFDocument, draw: () => void, type: ArtifactType = "Layout", attached?: ("Top" | "Bottom")[]): void {
  if (!documents.has(doc)) {
    draw();
    return;
  }
  doc.markContent("Artifact", { type, ...(attached ? { attached } : {}) });
  try {
    draw();
  } finally {
    doc.endMarkedContent();
  }
}
