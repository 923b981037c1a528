// A table with fixed row heights, so how many rows fit on a page (and hence how
// many pages a table takes) is plain arithmetic done before drawing. Each page
// gets its own header row.
import * as structure from "./structure.ts";
import { centredTop, drawLine } from "./text.ts";
import { COLOR, FONT } from "./theme.ts";

export interface Column<Row> {
  header: string;
  /** Relative width; columns share the table width in proportion. */
  weight: number;
  align?: "left" | "right";
  value: (row: Row) => string;
  /** Blank a value equal to the one just above it on the same page (e.g. a group label). */
  hideRepeats?: boolean;
}

export interface RowStyle {
  bold?: boolean;
  /** Background; default is zebra striping by row index. */
  fill?: string | null;
  /** Hairline above the row, e.g. before a subtotal. */
  ruleAbove?: boolean;
}

export interface TableOptions<Row> {
  columns: Column<Row>[];
  rowHeight?: number;
  headerHeight?: number;
  fontSize?: number;
  rowStyle?: (row: Row, index: number) => RowStyle;
  /** Printed as the only row when there are no rows. */
  emptyMessage?: string;
}

/** Rows [start, end) of one page. */
export interface TableSlice {
  start: number;
  end: number;
}

const CELL_PADDING = 6;

export class Table<Row> {
  readonly columns: Column<Row>[];
  readonly rowHeight: number;
  readonly headerHeight: number;
  readonly fontSize: number;
  readonly #options: TableOptions<Row>;
  /** The Table (and TBody) element each document is in the middle of, between slices. */
  readonly #open = new WeakMap<PDFKit.PDFDocument, { table: PDFKit.PDFStructureElement | undefined; body: PDFKit.PDFStructureElement | undefined }>();

  constructor(options: TableOptions<Row>) {
    this.#options = options;
    this.columns = options.columns;
    this.rowHeight = options.rowHeight ?? 16;
    this.headerHeight = options.headerHeight ?? 20;
    this.fontSize = options.fontSize ?? 8.5;
  }

  /** How many body rows fit under a header in `height` points. */
  rowsFitting(height: number): number {
    return Math.max(0, Math.floor((height - this.headerHeight) / this.rowHeight));
  }

  /** Height of a slice of `rowCount` rows including the header (an empty table shows one message row). */
  heightOf(rowCount: number): number {
    return this.headerHeight + Math.max(1, rowCount) * this.rowHeight;
  }

  /**
   * Splits `rowCount` rows into pages. `firstHeight` is the room left on the
   * table's first page, `nextHeight` the room on each later page, and
   * `reserveAfter` the room something drawn after the last row needs (e.g. a
   * totals block). That trailing block is never left alone on a page: at least
   * one row moves over with it.
   */
  paginate(rowCount: number, firstHeight: number, nextHeight: number, reserveAfter = 0): TableSlice[] {
    const firstCap = this.rowsFitting(firstHeight);
    const nextCap = this.rowsFitting(nextHeight);
    const reserveRows = Math.ceil(reserveAfter / this.rowHeight);
    if (firstCap < 1 + reserveRows || nextCap < 1 + reserveRows) {
      throw new RangeError("Table does not fit: not enough room for a header and one row per page");
    }
    if (rowCount === 0) return [{ start: 0, end: 0 }];
    const slices: TableSlice[] = [];
    let start = 0;
    while (start < rowCount) {
      const cap = slices.length === 0 ? firstCap : nextCap;
      const remaining = rowCount - start;
      const take = remaining + reserveRows <= cap ? remaining : Math.min(cap, remaining - 1);
      slices.push({ start, end: start + take });
      start += take;
    }
    return slices;
  }

  /**
   * Draws the header and `rows` (the rows of one slice; `firstIndex` is the
   * index of rows[0] in the whole table, for zebra striping). Returns the y
   * just below the last row.
   *
   * Tagged, the slices of one table are one Table element: the first slice
   * opens it (its header row is the THead), later slices continue it (their
   * repeated header row is a pagination artifact), and the slice with `last`
   * (default: the one that reaches `totalRows`) ends it.
   */
  drawSlice(
    doc: PDFKit.PDFDocument,
    rows: readonly Row[],
    at: { x: number; y: number; width: number; firstIndex: number; totalRows?: number; last?: boolean },
  ): number {
    const widths = this.#columnWidths(at.width);
    const { x, width } = at;
    let y = at.y;
    const first = at.firstIndex === 0;
    const last = at.last ?? (at.totalRows === undefined || at.firstIndex + rows.length >= at.totalRows);

    let open = this.#open.get(doc);
    if (first || !open) {
      const table = structure.open(doc, "Table");
      open = { table, body: undefined };
      this.#open.set(doc, open);
    } else {
      structure.resume(doc, open.table);
    }

    // Header: small bold caps on a tinted band. The first page's is the table's header row; later ones repeat it.
    structure.artifact(doc, () => void doc.rect(x, y, width, this.headerHeight).fill(COLOR.subtotal));
    const drawHeader = (tagCell: (draw: () => void) => void) => {
      let cx = x;
      this.columns.forEach((column, i) => {
        const w = widths[i] ?? 0;
        const left = cx;
        tagCell(() => {
          drawLine(doc, column.header.toUpperCase(), left + CELL_PADDING, centredTop(y, this.headerHeight, 7), {
            font: FONT.bold,
            size: 7,
            color: COLOR.muted,
            tracking: 0.4,
            width: w - 2 * CELL_PADDING,
            align: column.align ?? "left",
          });
        });
        cx += w;
      });
    };
    if (first) {
      structure.within(doc, "THead", () => structure.within(doc, "TR", () => drawHeader((draw) => structure.tag(doc, "TH", draw, { scope: "Column" }))));
    } else {
      structure.artifact(doc, () => drawHeader((draw) => draw()), "Pagination");
    }
    y += this.headerHeight;

    if (open.body) structure.resume(doc, open.body);
    else open.body = structure.open(doc, "TBody");

    if (rows.length === 0) {
      const top = y;
      structure.within(doc, "TR", () =>
        structure.tag(doc, "TD", () =>
          drawLine(doc, this.#options.emptyMessage ?? "No rows", x + CELL_PADDING, centredTop(top, this.rowHeight, this.fontSize), {
            font: FONT.italic,
            size: this.fontSize,
            color: COLOR.muted,
            width: width - 2 * CELL_PADDING,
          }),
        ),
      );
      y += this.rowHeight;
    }

    const previous: string[] = [];
    rows.forEach((row, r) => {
      const index = at.firstIndex + r;
      const style = this.#options.rowStyle?.(row, index) ?? {};
      const fill = style.fill === undefined ? (index % 2 === 1 ? COLOR.zebra : null) : style.fill;
      const top = y;
      if (fill || style.ruleAbove) {
        structure.artifact(doc, () => {
          if (fill) doc.rect(x, top, width, this.rowHeight).fill(fill);
          if (style.ruleAbove) {
            doc
              .save()
              .moveTo(x, top)
              .lineTo(x + width, top)
              .lineWidth(0.5)
              .strokeColor(COLOR.rule)
              .stroke()
              .restore();
          }
        });
      }
      structure.within(doc, "TR", () => {
        let cellX = x;
        this.columns.forEach((column, i) => {
          const w = widths[i] ?? 0;
          const value = column.value(row);
          const hidden = column.hideRepeats === true && r > 0 && previous[i] === value;
          previous[i] = value;
          const left = cellX;
          // A blanked repeat stays a cell, carrying its value for readers who can't see the one above.
          if (hidden || value === "") structure.within(doc, "TD", () => {}, hidden ? { actual: value } : {});
          else {
            structure.tag(doc, "TD", () =>
              drawLine(doc, value, left + CELL_PADDING, centredTop(top, this.rowHeight, this.fontSize), {
                font: style.bold ? FONT.bold : FONT.regular,
                size: this.fontSize,
                color: COLOR.text,
                width: w - 2 * CELL_PADDING,
                align: column.align ?? "left",
              }),
            );
          }
          cellX += w;
        });
      });
      y += this.rowHeight;
    });

    // Closing rule so a table that ends mid-page looks finished.
    const bottom = y;
    structure.artifact(doc, () => {
      doc
        .save()
        .moveTo(x, bottom)
        .lineTo(x + width, bottom)
        .lineWidth(0.75)
        .strokeColor(COLOR.rule)
        .stroke()
        .restore();
    });

    if (last) {
      structure.close(doc, open.table);
      this.#open.delete(doc);
    } else {
      structure.suspend(doc, open.table);
    }
    return y;
  }

  #columnWidths(total: number): number[] {
    const sum = this.columns.reduce((s, c) => s + c.weight, 0);
    return this.columns.map((c) => (total * c.weight) / sum);
  }
}
