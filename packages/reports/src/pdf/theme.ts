// Page geometry and visual constants shared by every report. Everything is in
// PDF points (1/72 in). Fixed numbers here are what make pagination
// deterministic: a renderer can know its page count before drawing page 1.

export const PAGE = { size: "LETTER", width: 612, height: 792 } as const;

/** The box content may occupy; the band below `bottom` belongs to the footer. */
export const CONTENT = {
  left: 54,
  right: PAGE.width - 54,
  width: PAGE.width - 108,
  top: 54,
  bottom: PAGE.height - 72,
} as const;

export const FOOTER = {
  /** Hairline separating content from the footer. */
  ruleY: PAGE.height - 56,
  textY: PAGE.height - 47,
  fontSize: 7.5,
} as const;

/** The standard PDF fonts: built into every reader, so no font files are embedded or fetched. */
export const FONT = {
  regular: "Helvetica",
  bold: "Helvetica-Bold",
  italic: "Helvetica-Oblique",
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
