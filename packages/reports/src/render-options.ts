// How a report is rendered for its reader: paper size and locale. Validated
// here once, for the worker (which will read them from the owner's preferences)
// and for tools and tests.
import { z } from "zod";
import { canonicalLocale } from "./format.ts";
import { DEFAULT_LOCALE } from "./pdf/money.ts";
import { PAPER_SIZES, type PaperSize } from "./pdf/theme.ts";

export const renderOptionsSchema = z.object({
  paperSize: z.enum(PAPER_SIZES, { error: `Paper size must be one of: ${PAPER_SIZES.join(", ")}` }).default("Letter"),
  /** A BCP 47 language tag ("en-US", "de-DE", "ja-JP"); numbers, dates and currency follow it. */
  locale: z
    .string({ error: "Locale must be a BCP 47 language tag such as en-US" })
    .transform((tag, ctx) => {
      const canonical = canonicalLocale(tag);
      if (!canonical) {
        ctx.issues.push({ code: "custom", input: tag, message: `Locale must be a BCP 47 language tag such as en-US (got ${JSON.stringify(tag)})` });
        return z.NEVER;
      }
      return canonical;
    })
    .default(DEFAULT_LOCALE),
});

export interface RenderOptions {
  paperSize: PaperSize;
  locale: string;
}

/** US Letter, US English: what every report uses until the owner chooses otherwise. */
export const DEFAULT_RENDER_OPTIONS: Readonly<RenderOptions> = Object.freeze({ paperSize: "Letter", locale: DEFAULT_LOCALE });

/** Fills defaults and validates; throws a TypeError naming the bad option. */
export function parseRenderOptions(input: Partial<RenderOptions> = {}): RenderOptions {
  const result = renderOptionsSchema.safeParse(input);
  if (!result.success) throw new TypeError(`Invalid render options: ${result.error.issues.map((i) => i.message).join("; ")}`);
  return result.data;
}
