// Single-line text drawing. Every call positions text explicitly and never lets
// pdfkit wrap or flow it: wrapping is what makes pdfkit add pages on its own,
// which would break the "Page n of N" arithmetic. A line is drawn as runs of
// embedded fonts (text-runs.ts), so any script prints.
import { CAP_HEIGHT_EM, type FontStyle, useFace } from "./fonts.ts";
import { layoutFeatures, splitRuns, type TextRun } from "./text-runs.ts";
import { COLOR, FONT } from "./theme.ts";

export interface TextStyle {
  font?: FontStyle;
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

interface MeasuredRun extends TextRun {
  width: number;
}

interface LaidOutLine {
  runs: MeasuredRun[];
  width: number;
}

const DEFAULT_SIZE = 9;

function layoutLine(doc: PDFKit.PDFDocument, text: string, style: TextStyle): LaidOutLine {
  const size = style.size ?? DEFAULT_SIZE;
  const tracking = style.tracking ?? 0;
  let width = 0;
  const runs = splitRuns(text, style.font ?? FONT.regular).map((run) => {
    useFace(doc, run.face);
    doc.fontSize(size);
    const features = layoutFeatures(run) as PDFKit.Mixins.TextOptions["features"];
    const runWidth = doc.widthOfString(run.text, { features }) + tracking * [...run.text].length;
    width += runWidth;
    return { ...run, width: runWidth };
  });
  return { runs, width };
}

/** Width of `text` in a style, in points. */
export function textWidth(doc: PDFKit.PDFDocument, text: string, style: TextStyle = {}): number {
  return layoutLine(doc, text, style).width;
}

/** `text` cut to fit `maxWidth`, ending in "…" when cut (at a character boundary, in logical order). */
export function fitText(doc: PDFKit.PDFDocument, text: string, maxWidth: number, style: TextStyle = {}): string {
  if (textWidth(doc, text, style) <= maxWidth) return text;
  const chars = Array.from(text);
  const cut = (n: number) => `${chars.slice(0, n).join("").trimEnd()}…`;
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(doc, cut(mid), style) <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? "" : cut(lo);
}

/**
 * Draws one line whose capital letters start at `top` (so callers can centre
 * text in a box of known height), in the style given; returns the drawn width.
 * Too long for `width`, it is cut with "…": a line never wraps.
 */
export function drawLine(doc: PDFKit.PDFDocument, text: string, x: number, top: number, options: LineOptions = {}): number {
  const size = options.size ?? DEFAULT_SIZE;
  const tracking = options.tracking ?? 0;
  let line = layoutLine(doc, text, options);
  if (options.width !== undefined && line.width > options.width) line = layoutLine(doc, fitText(doc, text, options.width, options), options);
  let left = x;
  if (options.width !== undefined && options.align === "right") left = x + options.width - line.width;
  if (options.width !== undefined && options.align === "center") left = x + (options.width - line.width) / 2;
  const baseline = top + CAP_HEIGHT_EM * size;
  doc.fillColor(options.color ?? COLOR.text);
  for (const run of line.runs) {
    useFace(doc, run.face);
    doc.fontSize(size);
    drawFragment(doc, run, left, baseline, tracking);
    left += run.width;
  }
  return line.width;
}

type Fragment = (text: string, x: number, y: number, options: Record<string, unknown>) => void;

/**
 * One run at (x, baseline). pdfkit's text() would measure the run twice more
 * (the layout is known here) and set up line wrapping it never uses; its
 * _fragment is the part that writes the text, told the width up front.
 */
function drawFragment(doc: PDFKit.PDFDocument, run: MeasuredRun, x: number, baseline: number, tracking: number): void {
  const features = layoutFeatures(run);
  const fragment = (doc as unknown as { _fragment?: Fragment })._fragment;
  if (typeof fragment !== "function") {
    doc.text(run.text, x, baseline, {
      lineBreak: false,
      baseline: "alphabetic",
      characterSpacing: tracking,
      features: features as PDFKit.Mixins.TextOptions["features"],
    });
    return;
  }
  const glyphWidth = run.width - tracking * [...run.text].length;
  fragment.call(doc, run.text, x, baseline, {
    baseline: "alphabetic",
    characterSpacing: tracking,
    features,
    // What _fragment would measure: the glyphs' width without the letter spacing it adds itself.
    textWidth: glyphWidth,
    wordCount: 1,
  });
}

/** Top of a line of `size`-pt caps centred vertically in a box starting at `boxTop`. */
export function centredTop(boxTop: number, boxHeight: number, size: number): number {
  return boxTop + (boxHeight - size * CAP_HEIGHT_EM) / 2;
}
