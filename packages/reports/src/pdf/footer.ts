// The footer band under every page: a hairline, a label on the left and
// "Page n of N" on the right.
import { drawLine } from "./text.ts";
import { COLOR, CONTENT, FONT, FOOTER } from "./theme.ts";

export function pageLabel(page: number, totalPages: number): string {
  return `Page ${page} of ${totalPages}`;
}

export function drawFooter(doc: PDFKit.PDFDocument, label: string, page: number, totalPages: number): void {
  doc.save();
  doc.moveTo(CONTENT.left, FOOTER.ruleY).lineTo(CONTENT.right, FOOTER.ruleY).lineWidth(0.5).strokeColor(COLOR.rule).stroke();
  doc.restore();
  const style = { font: FONT.regular, size: FOOTER.fontSize, color: COLOR.muted };
  const right = pageLabel(page, totalPages);
  const rightWidth = 70;
  drawLine(doc, right, CONTENT.right - rightWidth, FOOTER.textY, { ...style, width: rightWidth, align: "right" });
  drawLine(doc, label, CONTENT.left, FOOTER.textY, { ...style, width: CONTENT.width - rightWidth - 12 });
}
