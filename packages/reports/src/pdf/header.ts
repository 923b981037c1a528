// The title block at the top of a report's first page: brand, title (the
// document's H1), subtitle.
import { artifact, tag } from "./structure.ts";
import { drawLine } from "./text.ts";
import { COLOR, FONT, type PageGeometry } from "./theme.ts";

export interface ReportHeader {
  title: string;
  subtitle: string;
}

/** Fixed, so pages below it can be planned before drawing. */
export const REPORT_HEADER_HEIGHT = 72;

/** Draws at the top of the content box; returns the y below the block. */
export function drawReportHeader(doc: PDFKit.PDFDocument, geometry: PageGeometry, header: ReportHeader): number {
  const { content } = geometry;
  const y = content.top;
  // The brand line is letterhead, not content.
  artifact(doc, () => void drawLine(doc, "BACKLINE", content.left, y, { font: FONT.bold, size: 8, color: COLOR.accent, tracking: 1.6 }), "Layout");
  tag(doc, "H1", () => drawLine(doc, header.title, content.left, y + 18, { font: FONT.bold, size: 22, color: COLOR.text, width: content.width }));
  tag(doc, "P", () => drawLine(doc, header.subtitle, content.left, y + 47, { size: 11, color: COLOR.muted, width: content.width }));
  const ruleY = y + REPORT_HEADER_HEIGHT - 8;
  artifact(doc, () => {
    doc.save().moveTo(content.left, ruleY).lineTo(content.right, ruleY).lineWidth(1).strokeColor(COLOR.accent).stroke().restore();
  });
  return y + REPORT_HEADER_HEIGHT;
}
