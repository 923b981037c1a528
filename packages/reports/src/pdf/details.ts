// A label/value list ("Period: October 1 – 31, 2026"), one fixed-height line
// each, tagged as a two-column table whose first column heads each row.
import { artifact, tag, within } from "./structure.ts";
import { drawLine } from "./text.ts";
import { COLOR, FONT } from "./theme.ts";

export const DETAIL_LINE_HEIGHT = 15;

/** Returns the y below the list. */
export function drawDetails(
  doc: PDFKit.PDFDocument,
  items: readonly (readonly [label: string, value: string])[],
  at: { x: number; y: number; width: number; labelWidth?: number },
): number {
  const labelWidth = at.labelWidth ?? 100;
  within(doc, "Table", () =>
    within(doc, "TBody", () => {
      items.forEach(([label, value], i) => {
        const y = at.y + i * DETAIL_LINE_HEIGHT;
        within(doc, "TR", () => {
          tag(doc, "TH", () => drawLine(doc, label, at.x, y, { font: FONT.regular, size: 8.5, color: COLOR.muted, width: labelWidth - 8 }), { scope: "Row" });
          tag(doc, "TD", () => drawLine(doc, value, at.x + labelWidth, y, { font: FONT.regular, size: 9, color: COLOR.text, width: at.width - labelWidth }));
        });
      });
    }),
  );
  return at.y + items.length * DETAIL_LINE_HEIGHT;
}

/**
 * A small bold section title (an H2); returns the y below it. `repeated`: the
 * title again on a continuation page ("… (continued)"), page furniture rather
 * than a new heading.
 */
export const SECTION_TITLE_HEIGHT = 22;
export function drawSectionTitle(
  doc: PDFKit.PDFDocument,
  title: string,
  at: { x: number; y: number; width: number },
  options: { repeated?: boolean } = {},
): number {
  const draw = () => void drawLine(doc, title, at.x, at.y, { font: FONT.bold, size: 10.5, color: COLOR.text, width: at.width });
  if (options.repeated) artifact(doc, draw, "Pagination");
  else tag(doc, "H2", draw);
  return at.y + SECTION_TITLE_HEIGHT;
}
