// The title block at the top of a report's first page: brand, title, subtitle.
import { drawLine } from "./text.ts";
import { COLOR, CONTENT, FONT } from "./theme.ts";

export interface ReportHeader {
  title: string;
  subtitle: string;
}

/** Fixed, so pages below it can be planned before drawing. */
export const REPORT_HEADER_HEIGHT = 72;

/** Draws at the top of the content box; returns the y below the block. */
export function drawReportHeader(doc: PDFKit.PDFDocument, header: ReportHeader): number {
  const y = CONTENT.top;
  drawLine(doc, "BACKLINE", CONTENT.left, y, { font: FONT.bold, size: 8, color: COLOR.accent, tracking: 1.6 });
  drawLine(doc, header.title, CONTENT.left, y + 18, { font: FONT.bold, size: 22, color: COLOR.text, width: CONTENT.width });
  drawLine(doc, header.subtitle, CONTENT.left, y + 47, { size: 11, color: COLOR.muted, width: CONTENT.width });
  const ruleY = y + REPORT_HEADER_HEIGHT - 8;
  doc.save().moveTo(CONTENT.left, ruleY).lineTo(CONTENT.right, ruleY).lineWidth(1).strokeColor(COLOR.accent).stroke().restore();
  return y + REPORT_HEADER_HEIGHT;
}
