// A row of equal-width boxes, each a small caps label over one big figure;
// tagged as a one-row table whose labels are the column headers.
import { artifact, tag, within } from "./structure.ts";
import { drawLine, textWidth } from "./text.ts";
import { COLOR, FONT } from "./theme.ts";

export interface Kpi {
  label: string;
  value: string;
  /** Optional small line under the value. */
  note?: string;
}

export const KPI_BOX_HEIGHT = 64;
const GAP = 12;
const PAD = 12;

/** Draws the boxes across `width` starting at (x, y); returns the y below them. */
export function drawKpiBoxes(doc: PDFKit.PDFDocument, kpis: readonly Kpi[], at: { x: number; y: number; width: number }): number {
  const boxWidth = (at.width - GAP * (kpis.length - 1)) / kpis.length;
  const inner = boxWidth - 2 * PAD;
  const left = (i: number) => at.x + i * (boxWidth + GAP);
  artifact(doc, () => {
    kpis.forEach((_, i) => {
      doc.roundedRect(left(i), at.y, boxWidth, KPI_BOX_HEIGHT, 4).fill(COLOR.accentSoft);
      doc.rect(left(i), at.y, 3, KPI_BOX_HEIGHT).fill(COLOR.accent);
    });
  });
  within(doc, "Table", () => {
    within(doc, "THead", () =>
      within(doc, "TR", () => {
        kpis.forEach((kpi, i) => {
          tag(
            doc,
            "TH",
            () =>
              drawLine(doc, kpi.label.toUpperCase(), left(i) + PAD, at.y + 12, { font: FONT.bold, size: 7, color: COLOR.muted, tracking: 0.5, width: inner }),
            { scope: "Column" },
          );
        });
      }),
    );
    within(doc, "TBody", () =>
      within(doc, "TR", () => {
        kpis.forEach((kpi, i) => {
          // Shrink a long figure rather than cut it: a truncated number is a wrong number.
          let size = 18;
          while (size > 9 && textWidth(doc, kpi.value, { font: FONT.bold, size }) > inner) size -= 0.5;
          tag(doc, "TD", () => {
            drawLine(doc, kpi.value, left(i) + PAD, at.y + 27, { font: FONT.bold, size, color: COLOR.text });
            if (kpi.note) drawLine(doc, kpi.note, left(i) + PAD, at.y + 50, { size: 7, color: COLOR.muted, width: inner });
          });
        });
      }),
    );
  });
  return at.y + KPI_BOX_HEIGHT;
}
