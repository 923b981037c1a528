// The footer band under every page: a hairline, a label on the left and
// "Page n of N" on the right. Page furniture: an artifact, not content.
import type { ReportFormat } from "../format.ts";
import { artifact } from "./structure.ts";
import { drawLine } from "./text.ts";
import { COLOR, FONT, type PageGeometry } from "./theme.ts";

export function pageLabel(page: number, totalPages: number, format?: ReportFormat): string {
  const n = (value: number) => (format ? format.integer(value) : String(value));
  return `Page ${n(page)} of ${n(totalPages)}`;
}

export function drawFooter(doc: PDFKit.PDFDocument, geometry: PageGeometry, label: string, page: number, totalPages: number, format?: ReportFormat): void {
  const { content, footer } = geometry;
  artifact(
    doc,
    () => {
      doc.save();
      doc.moveTo(content.left, footer.ruleY).lineTo(content.right, footer.ruleY).lineWidth(0.5).strokeColor(COLOR.rule).stroke();
      doc.restore();
      const style = { font: FONT.regular, size: footer.fontSize, color: COLOR.muted };
      const rightWidth = 70;
      drawLine(doc, pageLabel(page, totalPages, format), content.right - rightWidth, footer.textY, { ...style, width: rightWidth, align: "right" });
      drawLine(doc, label, content.left, footer.textY, { ...style, width: content.width - rightWidth - 12 });
    },
    "Pagination",
    ["Bottom"],
  );
}
