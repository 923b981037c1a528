import { describe, expect, it } from "vitest";
import { createFormat } from "../src/format.ts";
import { FACE_CHAINS, loadFace } from "../src/pdf/fonts.ts";
import { isolate, SIMPLE, splitRuns } from "../src/pdf/text-runs.ts";

const runs = (text: string, style: "regular" | "bold" = "regular") => splitRuns(text, style).map((r) => [r.text, r.face, r.rtl]);

describe("splitRuns", () => {
  it("keeps Latin with diacritics, Greek and Cyrillic in the main face, one run", () => {
    expect(runs("Łódź Trading · Şahin · Ελληνικά · Москва")).toEqual([["Łódź Trading · Şahin · Ελληνικά · Москва", "sans", false]]);
    expect(runs("Ærø", "bold")).toEqual([["Ærø", "sans-bold", false]]);
  });

  it("gives CJK to the CJK face; spaces between scripts stay in the main face", () => {
    expect(runs("Tokyo 東京商事 Pro")).toEqual([
      ["Tokyo ", "sans", false],
      ["東京商事", "cjk", false],
      [" Pro", "sans", false],
    ]);
    expect(runs("東京 商事")).toEqual([["東京 商事", "cjk", false]]);
    expect(runs("서울상사")).toEqual([["서울상사", "cjk", false]]);
  });

  it("hands a right-to-left phrase over whole, in logical order, placed in visual order among left-to-right text", () => {
    // Visual order left to right: "Invoice ", the Hebrew phrase (fontkit lays it out right to left), " Ltd".
    expect(runs("Invoice אור תעשיות Ltd")).toEqual([
      ["Invoice ", "sans", false],
      ["אור תעשיות", "hebrew", true],
      [" Ltd", "sans", false],
    ]);
    // A number after right-to-left text joins its run (rule W2/N1): it shows to the left of it, as in a browser.
    expect(runs("Invoice אור תעשיות 2026")).toEqual([
      ["Invoice ", "sans", false],
      ["2026", "sans", false],
      [" ", "sans", true],
      ["אור תעשיות", "hebrew", true],
    ]);
    expect(runs("شركة النور للتجارة")).toEqual([["شركة النور للتجارة", "arabic", true]]);
  });

  it("orders runs by the bidi algorithm: numbers after a right-to-left name move left of it unless it is isolated", () => {
    const plain = splitRuns("· אור (#42) ·", "regular").map((r) => r.text);
    expect(plain.join("|")).not.toBe("· |אור| (#42) ·");
    const isolated = splitRuns(`· ${isolate("אור")} (#42) ·`, "regular").map((r) => r.text);
    expect(isolated).toEqual(["· ", "אור", " (#42) ·"]);
  });

  it("mirrors brackets inside right-to-left runs and drops bidi controls", () => {
    // Logical "אור (בע)" in a right-to-left isolate; left to right on the page: "(", "בע", ")", "אור ".
    expect(runs("\u2067אור (בע)\u2069")).toEqual([
      ["(", "sans", true],
      ["בע", "hebrew", true],
      [")", "sans", true],
      ["אור ", "hebrew", true],
    ]);
  });

  it("composes decomposed letters (NFC), so each prints and extracts as one glyph", () => {
    expect(runs("Thi\u0323")).toEqual([["Thị", "sans", false]]);
  });

  it("the one-run fast path only admits characters every style's main face has", () => {
    const ranges = SIMPLE.source.match(/\\u([0-9a-f]{4})-\\u([0-9a-f]{4})|\\u([0-9a-f]{4})/g) ?? [];
    expect(ranges.length).toBeGreaterThan(5);
    for (const style of ["regular", "bold", "italic"] as const) {
      const face = loadFace(FACE_CHAINS[style][0]!);
      for (const range of ranges) {
        const [from, to] = range.split("-").map((u) => Number.parseInt(u.slice(2), 16));
        for (let cp = from!; cp <= (to ?? from!); cp++) {
          if (!SIMPLE.test(String.fromCodePoint(cp))) continue;
          expect(face.hasGlyphForCodePoint(cp), `${style} U+${cp.toString(16)}`).toBe(true);
        }
      }
    }
  });
});

describe("createFormat", () => {
  it("formats money exactly, in the locale's way, always in US dollars", () => {
    expect(createFormat("en-US").money(12345678901234567890n)).toBe("$123,456,789,012,345,678.90");
    expect(createFormat("de-DE").money(-123456)).toMatch(/^-1\.234,56\s\$$/);
    expect(createFormat("ja-JP").money(150)).toBe("$1.50");
    expect(createFormat("en-US").averageMoney(1001, 2)).toBe("$5.01");
    expect(createFormat("en-US").averageMoney(0, 0)).toBe("—");
  });

  it("formats UTC calendar days and ranges with the shared parts once", () => {
    const en = createFormat("en-US");
    expect(en.date("2026-10-05")).toBe("October 5, 2026");
    expect(en.shortDate("2026-10-05", false)).toBe("Oct 5");
    expect(en.month("2026-10")).toBe("October 2026");
    expect(en.dateRange("2026-10-05", "2026-10-11", true)).toMatch(/^Oct 5\s–\s11, 2026$/);
    expect(en.dateRange("2026-12-28", "2027-01-03", true)).toMatch(/^Dec 28, 2026\s–\sJan 3, 2027$/);
    expect(en.dateTimeUtc(new Date("2026-11-22T05:30:00Z"))).toMatch(/^November 22, 2026 at 5:30\sAM UTC$/);
    expect(createFormat("de-DE").date("2026-10-05")).toBe("5. Oktober 2026");
  });

  it("canonicalises a tag and refuses one Intl can't use", () => {
    expect(createFormat("EN-gb").locale).toBe("en-GB");
    expect(() => createFormat("not a locale")).toThrow(RangeError);
  });
});
