// Report preferences: paper size and locale per user. A new user's are taken
// from their browser's Accept-Language the first time a signed-in page is shown
// (session.ts); they change them on /settings. The worker reads them in
// renderOptionsFor (apps/worker/src/processors/generate-report.ts).
import { DEFAULT_RENDER_OPTIONS, PAPER_SIZES, canonicalLocale, type PaperSize, type RenderOptions } from "@backline/reports";
import { z } from "zod";

/** Where US Letter is the usual paper (the Americas' Letter countries and the Philippines); elsewhere A4. */
const LETTER_REGIONS = new Set(["US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "CR", "PA", "DO", "PR", "SV", "NI", "BZ"]);

/** The paper a reader in this locale's region expects: Letter in the US, Canada, Mexico, the Philippines and similar; else A4. */
export function paperSizeForLocale(locale: string): PaperSize {
  try {
    const region = new Intl.Locale(locale).maximize().region;
    return region && LETTER_REGIONS.has(region) ? "Letter" : "A4";
  } catch {
    return "A4";
  }
}

/** A new reader's defaults: the first language the browser prefers (highest q) that reports can be written in, and its region's paper. */
export function preferencesFromAcceptLanguage(header: string | null | undefined): RenderOptions {
  const ranked = (header ?? "")
    .split(",")
    .map((part, index) => {
      const [tag = "", ...rest] = part.trim().split(";");
      const q = rest.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((c) => c.tag && c.tag !== "*" && c.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const locale = ranked.map((c) => canonicalLocale(c.tag)).find(Boolean) ?? DEFAULT_RENDER_OPTIONS.locale;
  return { paperSize: paperSizeForLocale(locale), locale };
}

export const paperSizeSchema = z.enum(PAPER_SIZES, { error: `Must be one of: ${PAPER_SIZES.join(", ")}` }).meta({ example: "A4" });
export const localeSchema = z
  .string()
  .max(35)
  .refine((tag) => canonicalLocale(tag) !== undefined, "Must be a BCP 47 language tag such as en-US or de-DE")
  .transform((tag) => canonicalLocale(tag)!)
  .meta({ example: "de-DE", description: "A BCP 47 language tag: numbers, dates and amounts in reports follow it" });
