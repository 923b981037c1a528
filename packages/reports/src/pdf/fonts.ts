// The fonts every report embeds (subsetted: only the glyphs a PDF prints), shipped
// in packages/reports/fonts with their licences (see fonts/README.md). Loaded once
// per process, on first use, and shared by every document: a fontkit font is a
// read-only parser with glyph caches, and pdfkit keeps each document's subset apart.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import * as fontkit from "fontkit";

/** A text style; each has a chain of faces, tried in order for every character. */
export type FontStyle = "regular" | "bold" | "italic";

export type FaceKey = "sans" | "sans-bold" | "sans-italic" | "arabic" | "arabic-bold" | "hebrew" | "hebrew-bold" | "cjk";

/**
 * `noDecompose`: Noto Sans's `ccmp` feature splits precomposed letters ("ị") into
 * a base glyph and a positioned mark. It looks the same, but a PDF maps each glyph
 * to one text string, so the base ("i") would stand for "ị" everywhere and the
 * mark for nothing: copied or extracted text would come out wrong. Text is NFC
 * (splitRuns), so the font's own precomposed glyphs are used instead.
 */
const FACES: Record<FaceKey, { file: string; member?: string; noDecompose?: boolean }> = {
  sans: { file: "NotoSans-Regular.ttf", noDecompose: true },
  "sans-bold": { file: "NotoSans-Bold.ttf", noDecompose: true },
  "sans-italic": { file: "NotoSans-Italic.ttf", noDecompose: true },
  arabic: { file: "NotoNaskhArabic-Regular.ttf" },
  "arabic-bold": { file: "NotoNaskhArabic-Bold.ttf" },
  hebrew: { file: "NotoSansHebrew-Regular.ttf" },
  "hebrew-bold": { file: "NotoSansHebrew-Bold.ttf" },
  // One weight only: bold CJK prints regular.
  cjk: { file: "WenQuanYiMicroHei.ttc", member: "WenQuanYiMicroHei" },
};

/** Main face first (Latin, Greek, Cyrillic), then the fallbacks for scripts it lacks. */
export const FACE_CHAINS: Record<FontStyle, readonly FaceKey[]> = {
  regular: ["sans", "arabic", "hebrew", "cjk"],
  bold: ["sans-bold", "arabic-bold", "hebrew-bold", "cjk"],
  italic: ["sans-italic", "arabic", "hebrew", "cjk"],
};

let fontsDirectory: string | undefined;

/**
 * packages/reports/fonts: beside src/ when running from source (tsx, vitest), or
 * through the workspace link node_modules/@backline/reports from a bundle's
 * folder up (the worker's dist/main.js). Paths are opaque to bundlers on
 * purpose (turbopackIgnore): the web app bundles this package but never renders.
 */
export function fontsDir(): string {
  if (fontsDirectory) return fontsDirectory;
  const here = import.meta.dirname ?? process.cwd();
  const candidates = [path.resolve(/*turbopackIgnore: true*/ here, "../../fonts")];
  for (let dir = here; ; dir = path.dirname(dir)) {
    candidates.push(path.join(/*turbopackIgnore: true*/ dir, "node_modules", "@backline", "reports", "fonts"));
    if (path.dirname(dir) === dir) break;
  }
  fontsDirectory = candidates.find((dir) => existsSync(path.join(/*turbopackIgnore: true*/ dir, "README.md")));
  if (!fontsDirectory) throw new Error(`The report fonts are missing: looked in ${candidates[0]} and in node_modules/@backline/reports/fonts above ${here}`);
  return fontsDirectory;
}

const loaded = new Map<FaceKey, fontkit.Font>();

/** The parsed font of a face (read from disk the first time). */
export function loadFace(key: FaceKey): fontkit.Font {
  let font = loaded.get(key);
  if (!font) {
    const face = FACES[key];
    const parsed = fontkit.create(readFileSync(/*turbopackIgnore: true*/ path.join(/*turbopackIgnore: true*/ fontsDir(), face.file)), face.member);
    if (!("hasGlyphForCodePoint" in parsed)) throw new Error(`Font file ${face.file} is a collection; name its member`);
    font = parsed;
    // pdfkit calls layout(text) (cached per word) or layout(text, features), never with a script or direction.
    const layout = font.layout.bind(font) as (...args: unknown[]) => fontkit.GlyphRun;
    const fixed = face.noDecompose ? { ccmp: false } : {};
    font.layout = ((text: string, userFeatures?: Record<string, boolean>, script?: string, language?: string, direction?: string) =>
      layout(text, { ...fixed, ...userFeatures }, script, language, direction ?? directionOf(text))) as typeof font.layout;
    loaded.set(key, font);
  }
  return font;
}

/**
 * fontkit takes a run's direction from its script, and Arabic-Indic digits are
 * Arabic script: "٢٠٢٦" alone would be laid out right to left, reversed. Runs
 * come here already in bidi order (text-runs.ts): one without letters is a
 * number (digits and separators), left to right; anything else keeps fontkit's
 * choice (Arabic and Hebrew words right to left).
 */
const directionOf = (text: string) => (/\p{N}/u.test(text) && !/\p{L}/u.test(text) ? "ltr" : undefined);

const coverage = new Map<FaceKey, Map<number, boolean>>();

/** Whether a face has a glyph for the code point (memoised: asked for every character drawn). */
export function faceHas(key: FaceKey, codePoint: number): boolean {
  let known = coverage.get(key);
  if (!known) coverage.set(key, (known = new Map()));
  let has = known.get(codePoint);
  if (has === undefined) {
    has = loadFace(key).hasGlyphForCodePoint(codePoint);
    known.set(codePoint, has);
  }
  return has;
}

/** pdfkit's per-document font object, as far as it is used here. */
interface EmbeddedFont {
  layoutCache?: Record<string, unknown>;
}

/**
 * Word layouts (fontkit shaping, the costly part of drawing text) shared by every
 * document: pdfkit caches them per document and font, keyed by the word; the
 * result depends only on the font and the word, so one cache per face serves all.
 * Bounded: started afresh past LAYOUT_CACHE_MAX words.
 */
const layoutCaches = new Map<FaceKey, Record<string, unknown>>();
const LAYOUT_CACHE_MAX = 50_000;
const seen = new WeakMap<object, FaceKey>();

function sharedLayoutCache(key: FaceKey): Record<string, unknown> {
  let cache = layoutCaches.get(key);
  if (!cache || Object.keys(cache).length > LAYOUT_CACHE_MAX) {
    cache = Object.create(null) as Record<string, unknown>;
    layoutCaches.set(key, cache);
  }
  return cache;
}

/**
 * Makes `key` the document's current font. pdfkit takes a fontkit font object as
 * a source (anything with `layout`); the second argument is its cache key, so each
 * face is opened once per document.
 */
export function useFace(doc: PDFKit.PDFDocument, key: FaceKey): void {
  doc.font(loadFace(key) as unknown as Buffer, key);
  const embedded = (doc as unknown as { _font: EmbeddedFont & object })._font;
  if (!seen.has(embedded)) {
    seen.set(embedded, key);
    if (embedded.layoutCache) embedded.layoutCache = sharedLayoutCache(key);
  }
}

/** Cap height of the main face, in em: text is positioned by the top of its capitals. */
export const CAP_HEIGHT_EM = 0.714;
