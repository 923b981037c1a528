// What a reader receives: every name prints (fonts embedded, any script), the PDF
// is tagged for assistive technology (read back through pdf.js's structure tree
// and poppler's pdfinfo), and it fits the reader's paper and locale.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { inflateSync } from "node:zlib";
import { INTERNATIONAL_CUSTOMERS, INTERNATIONAL_PRODUCT_LINES } from "@backline/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseReportOrThrow, renderReportToFile, type RenderReportOptions } from "../src/index.ts";
import { salesData, statementData } from "./fixtures.ts";
import { elements, fontsOf, infoOf, pdfPages, type StructNode, taggedPages, textOf } from "./pdf-text.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "backline-print-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { reportId: "0193a7c2-5b7e-7c3a-9d1e-3f5a2b1c4d6e", generatedAt: new Date("2026-11-22T05:30:00Z") };
const month = { from: "2026-10-01", to: "2026-10-31", groupBy: "day" } as const;
const products = INTERNATIONAL_PRODUCT_LINES.map((line) => `${line} Pro`);

async function statement(name: string, file: string, extra: Partial<RenderReportOptions> = {}) {
  const filePath = path.join(dir, file);
  const data = statementData(12, "2026-10", { customerName: name, products });
  const result = await renderReportToFile({
    ...base,
    ...extra,
    report: parseReportOrThrow("customer-statement", { customerId: 42, month: "2026-10" }),
    data,
    filePath,
  });
  return { filePath, result, data };
}

async function sales(file: string, extra: Partial<RenderReportOptions> = {}, params: object = month) {
  const filePath = path.join(dir, file);
  const parsed = parseReportOrThrow("sales-summary", params);
  const result = await renderReportToFile({ ...base, ...extra, report: parsed, data: salesData(parsed.params as typeof month), filePath });
  return { filePath, result };
}

/** The raw PDF with its Flate streams inflated, for what pdf.js does not report (attributes, fonts' programs). */
function rawPdf(filePath: string): string {
  const bytes = readFileSync(filePath);
  const text = bytes.toString("latin1");
  let out = text;
  for (const m of text.matchAll(/stream\r?\n/g)) {
    const start = (m.index ?? 0) + m[0].length;
    const end = text.indexOf("endstream", start);
    try {
      out += inflateSync(bytes.subarray(start, end)).toString("latin1");
    } catch {
      // not Flate, or a font program: skip
    }
  }
  return out;
}

describe("every script prints", () => {
  it.each(INTERNATIONAL_CUSTOMERS.map((c) => [c.name]))("%s: the name and every product line extract exactly, from fonts embedded as subsets", async (name) => {
    const { filePath } = await statement(name, `statement-${Buffer.from(name).toString("hex").slice(0, 16)}.pdf`);
    const [page] = await pdfPages(filePath);
    expect(page).toContain(`${name} (customer #42)`);
    expect(page).toContain(`Customer statement · ${name} (#42)`);
    for (const product of products) expect(page).toContain(product);

    const fonts = fontsOf(filePath);
    expect(fonts.length).toBeGreaterThan(0);
    for (const font of fonts) {
      expect(font, font.name).toMatchObject({ embedded: true, subset: true, unicode: true, encoding: "Identity-H" });
      expect(font.name).toMatch(/^[A-Z]{6}\+/);
    }
    // The scripts these names need came from the fallback faces.
    const names = fonts.map((f) => f.name).join(" ");
    if (/\p{Script=Arabic}/u.test(name + products.join(""))) expect(names).toContain("NotoNaskhArabic");
    if (/\p{Script=Hebrew}/u.test(name + products.join(""))) expect(names).toContain("NotoSansHebrew");
    if (/\p{Script=Han}|\p{Script=Hangul}|\p{Script=Katakana}/u.test(name + products.join(""))) expect(names).toContain("WenQuanYiMicroHei");
  });

  it("a sales summary embeds only subsets of its fonts, no standard (unembedded) font", async () => {
    const { filePath } = await sales("sales-fonts.pdf");
    const fonts = fontsOf(filePath);
    expect(fonts.map((f) => f.name.replace(/^[A-Z]{6}\+/, "")).sort()).toEqual(["NotoSans-Bold", "NotoSans-Regular"]);
    for (const font of fonts) expect(font).toMatchObject({ embedded: true, subset: true, unicode: true });
    expect(rawPdf(filePath)).not.toMatch(/\/BaseFont \/Helvetica/);
  });
});

/** The structure tree of page n, as role names nested like the tree (content references left out). */
function shape(node: StructNode): unknown {
  const kids = (node.children ?? []).filter((c) => c.role);
  return kids.length === 0 ? node.role : { [node.role ?? "?"]: kids.map(shape) };
}

describe("accessible PDFs", () => {
  it("pdfinfo: tagged PDF 1.7 with its title; the catalog names the language, shows the title and declares PDF/UA-1", async () => {
    const { filePath } = await sales("sales-tagged.pdf");
    const info = infoOf(filePath);
    expect(info).toMatchObject({ Tagged: "yes", "PDF version": "1.7", Title: "Sales summary", Pages: "6" });
    const raw = rawPdf(filePath);
    expect(raw).toMatch(/\/Lang \(en-US\)/);
    expect(raw).toMatch(/\/DisplayDocTitle true/);
    expect(raw).toMatch(/\/MarkInfo \d+ 0 R/);
    expect(raw).toMatch(/<pdfuaid:part>1<\/pdfuaid:part>/);
    expect(raw).toMatch(/<dc:title>\s*<rdf:Alt>\s*<rdf:li xml:lang="x-default">Sales summary<\/rdf:li>/);
    // Every page tells readers to tab in structure order.
    expect(raw.match(/\/Tabs \/S/g)).toHaveLength(6);
  });

  it("sales summary: headings, the details and figures as tables, the chart as a figure with alt text, then the table; footers are artifacts", async () => {
    const { filePath } = await sales("sales-structure.pdf");
    const pages = await taggedPages(filePath);
    const [cover, first, second] = pages;
    expect(shape(cover!.tree)).toEqual({
      Root: [
        {
          Document: [
            "H1",
            "P",
            { Table: [{ TBody: Array.from({ length: 5 }, () => ({ TR: ["TH", "TD"] })) }] },
            { Table: [{ THead: [{ TR: ["TH", "TH", "TH"] }] }, { TBody: [{ TR: ["TD", "TD", "TD"] }] }] },
            { Sect: ["H2", "Figure", "P"] },
          ],
        },
      ],
    });
    const all = elements(cover!.tree);
    const text = (role: string, i = 0) => textOf(all.filter((e) => e.role === role)[i]!, cover!);
    expect(text("H1")).toBe("Sales summary");
    expect(text("H2")).toBe("Revenue per day");
    expect(all.filter((e) => e.role === "TH").map((e) => textOf(e, cover!).trim())).toEqual([
      "Period",
      "Regions",
      "Grouped by",
      "Generated",
      "Report ID",
      "REVENUE",
      "ORDERS",
      "AVERAGE ORDER VALUE",
    ]);
    const figure = all.find((e) => e.role === "Figure")!;
    expect(figure.alt).toMatch(
      /^Bar chart, revenue per day, October 2026, 31 bars: highest \$[\d,.]+ \(Oct \d+\), lowest \$[\d,.]+ \(Oct \d+\); total \$2,756,730\.38\.$/,
    );
    // Page furniture is marked as such; nothing is drawn outside the tags.
    expect(cover!.artifacts.join(" ")).toContain("Page 1 of 6");
    expect(cover!.artifacts.join(" ")).toContain("Backline · Sales summary");
    for (const page of pages) expect(page.untagged).toEqual([]);

    // The table spans pages 2–6 as one Table: its header row once (page 2), repeated headers are artifacts.
    expect(shape(first!.tree)).toMatchObject({
      Root: [{ Document: [{ Sect: ["H2", { Table: [{ THead: [{ TR: ["TH", "TH", "TH", "TH", "TH"] }] }, expect.anything()] }] }] }],
    });
    expect(elements(first!.tree).filter((e) => e.role === "TR")).toHaveLength(1 + 39);
    expect(elements(second!.tree).some((e) => e.role === "THead" || e.role === "H2")).toBe(false);
    expect(second!.artifacts.join(" ")).toContain("Revenue by day and region (continued)");
    expect(second!.artifacts.join(" ")).toMatch(/PERIOD\s*REGION\s*ORDERS/);
    // Reading order in a row: period, region, orders, revenue, average.
    const row = elements(first!.tree).filter((e) => e.role === "TR")[1]!;
    expect(row.children!.map((td) => textOf(td, first!).trim())).toEqual([
      "Oct 1, 2026",
      "North America",
      expect.stringMatching(/^\d+$/),
      expect.stringMatching(/^\$/),
      expect.stringMatching(/^\$/),
    ]);

    // Header cells say which way they head (pdf.js does not report attributes; the PDF does).
    const raw = rawPdf(filePath);
    expect(raw).toMatch(/\/S \/TH\s*\/A <<\s*\/O \/Table\s*\/Scope \/Column/);
    expect(raw).toMatch(/\/S \/TH\s*\/A <<\s*\/O \/Table\s*\/Scope \/Row/);
    expect(raw).toMatch(/\/S \/Figure[^>]*\/Alt \(/);
  });

  it("customer statement: the total is a paragraph after the table; a repeated period in the sales table is an empty cell carrying its value", async () => {
    const { filePath } = await statement("Łódź Trading Sp. z o.o.", "statement-structure.pdf");
    const [page] = await taggedPages(filePath);
    const all = elements(page!.tree);
    const roles = all.map((e) => e.role);
    expect(roles.indexOf("P", roles.lastIndexOf("TR"))).toBeGreaterThan(roles.lastIndexOf("TR"));
    expect(textOf(all.filter((e) => e.role === "P").at(-1)!, page!).replace(/\s+/g, " ")).toMatch(
      /^Total for October 2026 \(12 orders, \d+ items\) \$[\d,.]+$/,
    );
    expect(page!.untagged).toEqual([]);
    const raw = rawPdf((await sales("sales-repeat.pdf")).filePath);
    expect(raw).toMatch(/\/S \/TD\s*\/ActualText \(Oct 1, 2026\)/);
  });
});

describe("paper and locale", () => {
  const long = { from: "2026-01-01", to: "2026-10-31", groupBy: "day" } as const;

  it.each([
    ["Letter", "612 x 792 pts (letter)", 1 + Math.ceil((304 * 6) / 39)],
    ["A4", "595.28 x 841.89 pts (A4)", 1 + Math.ceil((304 * 6) / 42)],
  ] as const)("%s: the page size, and 'Page n of N' exact on every page (planned before drawing)", async (paperSize, size, pages) => {
    const { filePath, result } = await sales(`sales-${paperSize}.pdf`, { paperSize }, long);
    expect(result.options.paperSize).toBe(paperSize);
    expect(result.pages).toBe(pages);
    const info = infoOf(filePath);
    expect(info["Page size"]).toBe(size);
    const text = await pdfPages(filePath);
    expect(text).toHaveLength(pages);
    for (const [i, page] of text.entries()) expect(page).toContain(`Page ${i + 1} of ${pages}`);
  });

  it("de-DE: numbers, dates and US-dollar amounts as Germans write them; the words stay English", async () => {
    const { filePath, result } = await sales("sales-de.pdf", { locale: "de-DE", paperSize: "A4" });
    const [cover] = await pdfPages(filePath);
    const plain = (s: string) => s.replace(/[\u00a0\u2009\u202f]/g, " ");
    const money = new Intl.NumberFormat("de-DE", { style: "currency", currency: "USD" }).format(2_756_730.38);
    expect(money).toMatch(/^2\.756\.730,38\s\$$/);
    expect(cover).toContain(plain(money));
    expect(cover).toContain("17.632");
    expect(cover).toContain(
      plain(new Intl.DateTimeFormat("de-DE", { timeZone: "UTC", dateStyle: "long" }).formatRange(new Date("2026-10-01"), new Date("2026-10-31"))),
    );
    expect(cover).toContain("Oktober 2026");
    expect(result.summary).toContain(`revenue ${money} from 17.632 orders`);
    expect(result.highlights.figures[0]).toEqual({ label: "Revenue", value: money });
    expect(rawPdf(filePath)).toMatch(/\/Lang \(en\)/);
  });

  it("ja-JP and ar-EG: dates and digits in their scripts print from the fallback fonts", async () => {
    const ja = await statement("東京商事株式会社", "statement-ja.pdf", { locale: "ja-JP" });
    const [jaText] = await pdfPages(ja.filePath);
    expect(jaText).toContain("2026年10月");
    const ar = await statement("شركة النور للتجارة", "statement-ar.pdf", { locale: "ar-EG" });
    const [arText] = await pdfPages(ar.filePath);
    expect(arText).toContain("شركة النور للتجارة");
    expect(arText).toMatch(/[٠-٩]/);
    // Arabic-Indic digits are numbers, written left to right like ours: the year in order, not reversed.
    const year = new Intl.NumberFormat("ar-EG", { useGrouping: false }).format(2026);
    expect(arText).toContain(year);
    expect(arText).not.toContain([...year].reverse().join(""));
    for (const font of fontsOf(ar.filePath)) expect(font.embedded).toBe(true);
  });

  it("refuses a malformed locale or an unknown paper size, naming it", async () => {
    await expect(sales("bad-locale.pdf", { locale: "not a locale" })).rejects.toThrow(/Locale must be a BCP 47 language tag/);
    await expect(sales("bad-paper.pdf", { paperSize: "A3" as never })).rejects.toThrow(/Paper size must be one of: Letter, A4/);
  });
});
