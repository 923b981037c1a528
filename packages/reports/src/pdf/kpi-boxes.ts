// A row of equal-width boxes, each a small caps label over one big figure.
import { applyStyle, drawLine, textWidth, toWinAnsi } from "./text.ts";
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
  kpis.forEach((kpi, i) => {
    const x = at.x + i * (boxWidth + GAP);
    doc.roundedRect(x, at.y, boxWidth, KPI_BOX_HEIGHT, 4).fill(COLOR.accentSoft);
    doc.rect(x, at.y, 3, KPI_BOX_HEIGHT).fill(COLOR.accent);
    const inner = boxWidth - 2 * PAD;
    drawLine(doc, kpi.label.toUpperCase(), x + PAD, at.y + 12, {
      font: FONT.bold,
      size: 7,
      color: COLOR.muted,
      tracking: 0.5,
      width: inner,
    });
    // Shrink a long figure rather than cut it: a truncated number is a wrong number.
    let size = 18;
    applyStyle(doc, { font: FONT.bold, size });
    while (size > 9 && textWidth(doc, toWinAnsi(kpi.value)) > inner) {
      size -= 0.5;
      applyStyle(doc, { font: FONT.bold, size });
    }
    drawLine(doc, kpi.value, x + PAD, at.y + 27, { font: FONT.bold, size, color: COLOR.text });
    if (kpi.note) {
      drawLine(doc, kpi.note, x + PAD, at.y + 50, { size: 7, color: COLOR.muted, width: inner });
    }
  });
  return at.y + KPI_BOX_HEIGHT;
}
