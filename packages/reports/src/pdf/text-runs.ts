// Splits one line of text into runs the PDF can draw: each run in one font face
// and one direction, in visual order (left to right on the page).
//
// - The face: the first of the style's chain (Noto Sans, then Arabic, Hebrew,
//   CJK fallbacks) that has the character. Spaces, punctuation and combining
//   marks stay in the face before them when it has them, so "Łódź Trading" or an
//   Arabic phrase is one run.
// - The order: the Unicode Bidirectional Algorithm (bidi-js) on a left-to-right
//   line. A right-to-left run is handed to fontkit in logical order whole: it
//   shapes it (Arabic joining forms) and lays its glyphs out right to left. The
//   runs themselves are placed in visual order, so "Invoice · שלום עולם · 2026"
//   reads correctly, and text extraction gets the logical string back.
import bidiFactory from "bidi-js";
import { FACE_CHAINS, type FaceKey, type FontStyle, faceHas } from "./fonts.ts";

export interface TextRun {
  text: string;
  face: FaceKey;
  /** Right to left: shape the whole run at once (see `layoutFeatures`). */
  rtl: boolean;
}

const bidi = bidiFactory();

// Characters every style's main face has and that need no bidi pass: the common
// case, one run (a test checks the faces cover all of them). Latin with its
// extensions, typographic spaces and punctuation (Intl's thin and narrow no-break
// spaces among them), currency signs.
export const SIMPLE = /^[\u0020-\u007e\u00a0-\u024f\u2000-\u200a\u2010-\u2027\u202f\u2030-\u205e\u20a0-\u20bf\u2116\u2122\u2212]*$/;
// Bidi controls and other invisible format characters: they steer the algorithm and are then dropped.
const FORMAT = /[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
// Letters and digits pick their own face; marks follow their base; the rest follows the letters around it.
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const MARK = /\p{M}/u;
// Space separators a face may lack (the narrow no-break space French number formats use).
const SPACES = /[\u2000-\u200a\u202f\u205f\u3000]/g;

function firstCovering(cp: number, chain: readonly FaceKey[]): FaceKey | undefined {
  for (const key of chain) if (faceHas(key, cp)) return key;
  return undefined;
}

/**
 * The face of each UTF-16 unit, in logical order. Letters and digits take the
 * first face that has them; a combining mark takes its base's; anything else
 * (spaces, punctuation) takes the face of the letters on both sides when they
 * share one, else the main face, so runs break where scripts change.
 */
function assignFaces(text: string, chain: readonly FaceKey[]): FaceKey[] {
  const main = chain[0] as FaceKey;
  const faces: (FaceKey | undefined)[] = new Array(text.length);
  const neutral: boolean[] = new Array(text.length).fill(false);
  let previous: FaceKey | undefined;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) ?? 0x20;
    const ch = String.fromCodePoint(cp);
    const width = cp > 0xffff ? 2 : 1;
    let face: FaceKey | undefined;
    if (MARK.test(ch) && previous && faceHas(previous, cp)) face = previous;
    else if (LETTER_OR_DIGIT.test(ch)) face = firstCovering(cp, chain) ?? main;
    else neutral[i] = true;
    for (let k = 0; k < width; k++) faces[i + k] = face;
    if (face) previous = face;
    i += width - 1;
  }
  // Neutrals: the face shared by the letters around them, else the main face, else any that has them.
  for (let i = 0; i < text.length; i++) {
    if (!neutral[i]) continue;
    const cp = text.codePointAt(i) ?? 0x20;
    let before: FaceKey | undefined;
    for (let j = i - 1; j >= 0 && !before; j--) if (!neutral[j]) before = faces[j];
    let after: FaceKey | undefined;
    for (let j = i + 1; j < text.length && !after; j++) if (!neutral[j]) after = faces[j];
    const face =
      (before && before === after && faceHas(before, cp) ? before : undefined) ??
      (faceHas(main, cp) ? main : undefined) ??
      (before && faceHas(before, cp) ? before : undefined) ??
      firstCovering(cp, chain) ??
      main;
    faces[i] = face;
    if (cp > 0xffff) faces[++i] = face;
  }
  return faces as FaceKey[];
}

/** A line's runs in visual order. Control characters become spaces; nothing is dropped but invisible format characters. */
export function splitRuns(line: string, style: FontStyle): TextRun[] {
  const chain = FACE_CHAINS[style];
  // NFC: precomposed letters, which the fonts draw (and PDF text maps) as one glyph each.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this replaces.
  let text = line.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ").normalize("NFC");
  if (text === "") return [];
  if (SIMPLE.test(text)) return [{ text, face: chain[0] as FaceKey, rtl: false }];
  text = text.replace(SPACES, (s) => (faceHas(chain[0] as FaceKey, s.codePointAt(0) ?? 0x20) ? s : "\u00a0"));

  const embedding = bidi.getEmbeddingLevels(text, "ltr");
  const levels = embedding.levels;
  const mirrored = bidi.getMirroredCharactersMap(text, levels);

  const faces = assignFaces(text, chain);

  // Visual order of the logical indices (rule L2).
  const order = bidi.getReorderedIndices(text, embedding);

  // Group neighbours that are logically adjacent (in their direction) with the same face and level.
  const runs: TextRun[] = [];
  let group: { from: number; to: number; face: FaceKey; level: number } | undefined;
  const flush = () => {
    if (!group) return;
    const rtl = group.level % 2 === 1;
    let part = "";
    for (let i = group.from; i <= group.to; i++) part += rtl ? (mirrored.get(i) ?? text[i]) : text[i];
    part = part.replace(FORMAT, "");
    if (part !== "") runs.push({ text: part, face: group.face, rtl });
  };
  for (const i of order) {
    const face = faces[i] as FaceKey;
    const level = levels[i] ?? 0;
    const rtl = level % 2 === 1;
    if (group && group.face === face && group.level === level && (rtl ? i === group.from - 1 : i === group.to + 1)) {
      if (rtl) group.from = i;
      else group.to = i;
      continue;
    }
    flush();
    group = { from: i, to: i, face, level };
  }
  flush();
  return runs;
}

/**
 * `text` as a bidi isolate (FSI … PDI): put a name inside a sentence, it keeps
 * its own direction and leaves the punctuation around it alone, so
 * "אור תעשיות (#42)" reads name, then "(#42)", as in the sentence. The marks
 * steer the layout and are not drawn.
 */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}

/**
 * What to pass pdfkit as `features` for a run. pdfkit lays text out word by word
 * (cached) unless features are given; a right-to-left run must be shaped whole,
 * or its words would come out in logical order, left to right.
 */
export function layoutFeatures(run: TextRun): Record<string, boolean> | undefined {
  return run.rtl ? {} : undefined;
}
