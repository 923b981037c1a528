// Single-line text drawing. Every call positions text explicitly and never lets
// pdfkit wrap or flow it: wrapping is what makes pdfkit add pages on its own,
// which would break the "Page n of N" arithmetic.
import { COLOR, FONT } from "./theme.ts";

export interface TextStyle {
  font?: string;
  size?: number;
  color?: string;
  /** Extra space between letters, for small-caps style labels. */
  tracking?: number;
}

export interface LineOptions extends TextStyle {
  /** Truncate with "…" to this width; also the box used for right/center alignment. */
  width?: number;
  align?: "left" | "right" | "center";
}

export function applyStyle(doc: PDFKit.PDFDocument, style: TextStyle = {}): void {
  doc
    .font(style.font ?? FONT.regular)
    .fontSize(style.size ?? 9)
    .fillColor(style.color ?? COLOR.text);
}

// The standard fonts only encode Windows-1252; anything else would print as
// garbage, so strip accents where that helps and substitute "?" otherwise.
const WIN_ANSI_EXTRA = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");
// Letters that have no accent to strip (NFD leaves them whole).
const TRANSLITERATE: Record<string, string> = { Ł: "L", ł: "l", Đ: "D", đ: "d", Ħ: "H", ħ: "h", ı: "i", Ŧ: "T", ŧ: "t", Ŋ: "N", ŋ: "n", Ŀ: "L", ŀ: "l" };
export function toWinAnsi(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0x3f;
    if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(ch)) {
      out += ch;
    } else if (code < 0x20) {
      out += " ";
    } else if (TRANSLITERATE[ch]) {
      out += TRANSLITERATE[ch];
    } else {
      const base = ch.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
      out += base.length > 0 && [...base].every((c) => c.charCodeAt(0) < 0x7f) ? base : "?";
    }
  }
  return out;
}

/** Width of `text` in the current font at the current size (style must be applied first). */
export function textWidth(doc: PDFKit.PDFDocument, text: string, tracking = 0): number {
  return doc.widthOfString(text) + tracking * text.length;
}

/** `text` cut to fit `maxWidth`, ending in "…" when cut. Uses the current font. */
export function fitText(doc: PDFKit.PDFDocument, text: string, maxWidth: number, tracking = 0): string {
  if (textWidth(doc, text, tracking) <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(doc, text.slice(0, mid).trimEnd() + "…", tracking) <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? "" : text.slice(0, lo).trimEnd() + "…";
}

/**
 * Draws one line whose capital letters start at `top`: pdfkit puts the baseline
 * one ascender below y, and Helvetica's ascender equals its cap height (0.718 em),
 * so callers can centre text in a box of known height.
 * Returns the drawn width.
 */
export function drawLine(doc: PDFKit.PDFDocument, text: string, x: number, top: number, options: LineOptions = {}): number {
  applyStyle(doc, options);
  const tracking = options.tracking ?? 0;
  let line = toWinAnsi(text);
  if (options.width !== undefined) line = fitText(doc, line, options.width, tracking);
  const width = textWidth(doc, line, tracking);
  let left = x;
  if (options.width !== undefined && options.align === "right") left = x + options.width - width;
  if (options.width !== undefined && options.align === "center") left = x + (options.width - width) / 2;
  doc.text(line, left, top, { lineBreak: false, characterSpacing: tracking });
  return width;
}

/** Top of a line of `size`-pt caps centred vertically in a box starting at `boxTop`. */
export function centredTop(boxTop: number, boxHeight: number, size: number): number {
  return boxTop + (boxHeight - size * 0.718) / 2;
}
