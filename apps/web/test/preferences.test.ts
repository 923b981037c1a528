// A new reader's report preferences from the browser's Accept-Language.
import { describe, expect, it } from "vitest";
import { paperSizeForLocale, preferencesFromAcceptLanguage } from "../lib/preferences.ts";

describe("preferences from Accept-Language", () => {
  it("take the most preferred language reports can be written in, and its region's paper", () => {
    expect(preferencesFromAcceptLanguage("de-DE,de;q=0.9,en;q=0.8")).toEqual({ paperSize: "A4", locale: "de-DE" });
    expect(preferencesFromAcceptLanguage("en-US,en;q=0.9")).toEqual({ paperSize: "Letter", locale: "en-US" });
    expect(preferencesFromAcceptLanguage("fr;q=0.5, en-CA")).toEqual({ paperSize: "Letter", locale: "en-CA" });
    expect(preferencesFromAcceptLanguage("en-GB")).toEqual({ paperSize: "A4", locale: "en-GB" });
    expect(preferencesFromAcceptLanguage("es-MX")).toEqual({ paperSize: "Letter", locale: "es-MX" });
    expect(preferencesFromAcceptLanguage("fil-PH")).toEqual({ paperSize: "Letter", locale: "fil-PH" });
    expect(preferencesFromAcceptLanguage("ja")).toEqual({ paperSize: "A4", locale: "ja" });
  });

  it("fall back to en-US and Letter when the header is missing, a wildcard or nonsense", () => {
    for (const header of [null, "", "*", "not a tag!!, ;q=1", "de;q=0"])
      expect(preferencesFromAcceptLanguage(header)).toEqual({ paperSize: "Letter", locale: "en-US" });
  });

  it("choose Letter only for Letter countries", () => {
    expect(["en-US", "es-US", "fr-CA", "es-CO", "es-CL", "en-PH"].map(paperSizeForLocale)).toEqual(Array(6).fill("Letter"));
    expect(["de-DE", "fr-FR", "en-AU", "pt-BR", "zh-CN", "ar-EG", "en-IN"].map(paperSizeForLocale)).toEqual(Array(7).fill("A4"));
  });
});
