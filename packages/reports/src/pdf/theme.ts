// Page geometry and visual constants shared by every report. Everything is in
// PDF points (1/72 in). Fixed numbers here are what make pagination
// deterministic: a renderer knows its page count before drawing page 1, on
// either paper size.

export const PAPER_SIZES = ["Letter", "A4"] as const;
export type PaperSize = (typeof PAPER_SIZES)[number];

export interface PageGeometry {
  paperSize: PaperSize;
  /** pdfkit's size name. */
  size: "LETTER" | "A4";
  width: number;
  height: number;
  /** The box content may occupy; the band below `bottom` belongs to the footer. */
  content: { left: number; right: number; width: number; top: number; bottom: number };
  footer: {
    /** Hairline separating content from the footer. */
    ruleY: number;
    textY: number;
    fontSize: number;
  };
}

const SIZES: Record<PaperSize, { size: PageGeometry["size"]; width: number; height: number }> = {
  Letter: { size: "LETTER", width: 612, height: 792 },
  // 210 × 297 mm, as pdfkit's "A4".
  A4: { size: "A4", width: 595.28, height: 841.89 },
};

const MARGIN = 54;
const FOOTER_BAND = 72;

export function pageGeometry(paperSize: PaperSize): PageGeometry {
  const { size, width, height } = SIZES[paperSize];
  return {
    paperSize,
    size,
    width,
    height,
    content: { left: MARGIN, right: width - MARGIN, width: width - 2 * MARGIN, top: MARGIN, bottom: height - FOOTER_BAND },
    footer: { ruleY: height - 56, textY: height - 47, fontSize: 7.5 },
  };
}

/** Text styles (each a chain of embedded faces; see fonts.ts). */
export const FONT = {
  regular: "regular",
  bold: "bold",
  italic: "italic",
} as const;

export const COLOR = {
  text: "#1f2933",
  muted: "#5f6b7a",
  faint: "#98a2ae",
  rule: "#d5dbe2",
  zebra: "#f4f6f8",
  subtotal: "#e8ecf1",
  accent: "#2b5fa8",
  accentSoft: "#edf2f9",
} as const;
