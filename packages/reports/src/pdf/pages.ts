// Drives a document whose page count is decided before drawing starts. Owns
// everything that happens between two pages: the footer of the finished page,
// progress, cancellation, and yielding to the event loop.
import type { RenderContext } from "../define.ts";
import { drawFooter } from "./footer.ts";

export class PageSequence {
  #page = 0;
  #lastPercent = 0;
  readonly #doc: PDFKit.PDFDocument;
  readonly #ctx: RenderContext;
  readonly totalPages: number;
  readonly footerLabel: string;

  constructor(doc: PDFKit.PDFDocument, options: { totalPages: number; footerLabel: string; ctx: RenderContext }) {
    if (!Number.isInteger(options.totalPages) || options.totalPages < 1) {
      throw new RangeError(`totalPages must be a positive integer, got ${options.totalPages}`);
    }
    this.#doc = doc;
    this.#ctx = options.ctx;
    this.totalPages = options.totalPages;
    this.footerLabel = options.footerLabel;
  }

  /** 1-based number of the page being drawn (0 before `start`). */
  get current(): number {
    return this.#page;
  }

  /** Adds page 1. */
  async start(): Promise<void> {
    if (this.#page !== 0) throw new Error("PageSequence.start called twice");
    await this.#open();
  }

  /** Finishes the current page (footer) and starts the next one. */
  async next(): Promise<void> {
    if (this.#page === 0) throw new Error("PageSequence.next called before start");
    this.#footer();
    // Let timers and I/O (the worker's lock renewal, the file stream) run between pages, and wait for a slow output.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.#ctx.room?.();
    await this.#open();
  }

  /** Draws the last footer; fails loudly if the drawing and the plan disagree. */
  finish(): void {
    if (this.#page !== this.totalPages) {
      throw new Error(`Layout error: planned ${this.totalPages} pages but drew ${this.#page}`);
    }
    this.#footer();
  }

  async #open(): Promise<void> {
    const signal = this.#ctx.signal;
    if (signal?.aborted) throw signal.reason;
    if (this.#page >= this.totalPages) {
      throw new Error(`Layout error: planned ${this.totalPages} pages but tried to add page ${this.#page + 1}`);
    }
    this.#page += 1;
    // Percent of pages already done, so it never goes backwards and never claims 100 early.
    const percent = Math.max(this.#lastPercent, Math.floor(((this.#page - 1) * 100) / this.totalPages));
    this.#lastPercent = percent;
    this.#ctx.onProgress({ percent, stage: `Rendering page ${this.#page} of ${this.totalPages}` });
    this.#doc.addPage();
  }

  #footer(): void {
    drawFooter(this.#doc, this.#ctx.page, this.footerLabel, this.#page, this.totalPages, this.#ctx.format);
  }
}
