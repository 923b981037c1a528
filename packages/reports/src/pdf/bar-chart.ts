// A vector bar chart (pdfkit paths, no images): nice y-axis ticks with grid
// lines, x labels thinned so they never overlap, and too many bars merged into
// buckets so each bar stays at least MIN_PITCH points wide.
import { tag } from "./structure.ts";
import { drawLine, textWidth } from "./text.ts";
import { COLOR, FONT } from "./theme.ts";

export interface Bar {
  label: string;
  /** Non-negative whole number (e.g. cents). */
  value: number;
}

export interface BarChartOptions {
  x: number;
  y: number;
  width: number;
  height: number;
  bars: readonly Bar[];
  /** Formats a y-axis tick value (same unit as Bar.value). */
  formatTick: (value: number) => string;
  /** Smallest step between ticks (e.g. 100 cents, so ticks are whole dollars). */
  minTickStep?: number;
  /** Shown when there is nothing to plot. */
  emptyMessage?: string;
  /** What the chart shows, in words: the Figure's alternative text. */
  alt: string;
}

/** Narrower bars than this stop reading as bars on paper. */
export const MIN_PITCH = 1.6;
const AXIS_FONT = 7;
const X_LABEL_BAND = 16;

/**
 * Merges consecutive bars into buckets of `size` so there are at most
 * `maxBars`. A bucket's value is the sum; its label the first bar's label.
 * The last bucket may hold fewer bars (`lastSize`).
 */
export function bucketBars(bars: readonly Bar[], maxBars: number): { bars: Bar[]; size: number; lastSize: number } {
  const size = Math.max(1, Math.ceil(bars.length / Math.max(1, maxBars)));
  const out: Bar[] = [];
  for (let i = 0; i < bars.length; i += size) {
    const group = bars.slice(i, i + size);
    out.push({ label: group[0]?.label ?? "", value: group.reduce((s, b) => s + b.value, 0) });
  }
  const lastSize = bars.length === 0 ? 0 : bars.length - (out.length - 1) * size;
  return { bars: out, size, lastSize };
}

/** Largest number of bars that fits `plotWidth` at MIN_PITCH. */
export function maxBarsFor(plotWidth: number): number {
  return Math.max(1, Math.floor(plotWidth / MIN_PITCH));
}

/** 1, 2, 2.5 or 5 times a power of ten, so roughly `target` steps cover `max`. */
export function niceStep(max: number, target = 5, minStep = 1): number {
  if (max <= 0) return minStep;
  const raw = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  return Math.max(minStep, Math.round(step / minStep) * minStep);
}

/**
 * Draws the chart inside the given box, tagged as one Figure with `alt` (its
 * tick and bar labels are part of the picture). The caller decides bucketing
 * (see bucketBars).
 */
export function drawBarChart(doc: PDFKit.PDFDocument, o: BarChartOptions): void {
  tag(doc, "Figure", () => drawChart(doc, o), { alt: o.alt, bbox: [o.x, o.y, o.x + o.width, o.y + o.height], placement: "Block" });
}

function drawChart(doc: PDFKit.PDFDocument, o: BarChartOptions): void {
  const max = o.bars.reduce((m, b) => Math.max(m, b.value), 0);
  const step = niceStep(max, 5, o.minTickStep ?? 1);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step) ticks.push(v);

  // The y-axis gutter is as wide as the widest tick label.
  const gutter = Math.ceil(Math.max(...ticks.map((t) => textWidth(doc, o.formatTick(t), { size: AXIS_FONT })))) + 8;
  const plot = { left: o.x + gutter, right: o.x + o.width, top: o.y + 4, bottom: o.y + o.height - X_LABEL_BAND };
  const plotHeight = plot.bottom - plot.top;
  const yOf = (v: number) => plot.bottom - (v / top) * plotHeight;

  for (const t of ticks) {
    const y = yOf(t);
    doc
      .save()
      .moveTo(plot.left, y)
      .lineTo(plot.right, y)
      .lineWidth(t === 0 ? 0.75 : 0.4);
    doc
      .strokeColor(t === 0 ? COLOR.muted : COLOR.rule)
      .stroke()
      .restore();
    drawLine(doc, o.formatTick(t), o.x, y - AXIS_FONT * 0.36, { size: AXIS_FONT, color: COLOR.muted, width: gutter - 6, align: "right" });
  }

  if (o.bars.length === 0 || max === 0) {
    drawLine(doc, o.emptyMessage ?? "Nothing to plot", plot.left, plot.top + plotHeight / 2 - 4, {
      font: FONT.italic,
      size: 9,
      color: COLOR.muted,
      width: plot.right - plot.left,
      align: "center",
    });
    return;
  }

  const pitch = (plot.right - plot.left) / o.bars.length;
  // Gaps shrink with the pitch; below ~3pt bars touch so they stay visible.
  const gap = pitch >= 6 ? Math.min(pitch * 0.25, 8) : pitch >= 3 ? pitch * 0.2 : 0.15 * pitch;
  o.bars.forEach((bar, i) => {
    if (bar.value <= 0) return;
    const h = (bar.value / top) * plotHeight;
    doc.rect(plot.left + i * pitch + gap / 2, plot.bottom - h, pitch - gap, h).fill(COLOR.accent);
  });

  // Label every k-th bar, k chosen so the widest label plus a gap fits.
  const widest = Math.max(...o.bars.map((b) => textWidth(doc, b.label, { size: AXIS_FONT })));
  const every = Math.max(1, Math.ceil((widest + 10) / pitch));
  for (let i = 0; i < o.bars.length; i += every) {
    const bar = o.bars[i];
    if (!bar) continue;
    const centre = plot.left + (i + 0.5) * pitch;
    doc
      .save()
      .moveTo(centre, plot.bottom)
      .lineTo(centre, plot.bottom + 3)
      .lineWidth(0.5)
      .strokeColor(COLOR.muted)
      .stroke()
      .restore();
    // Keep the label inside the chart box at both ends.
    const w = textWidth(doc, bar.label, { size: AXIS_FONT });
    const left = Math.min(Math.max(centre - w / 2, plot.left - gutter / 2), plot.right - w);
    drawLine(doc, bar.label, left, plot.bottom + 6, { size: AXIS_FONT, color: COLOR.muted });
  }
}
