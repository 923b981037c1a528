import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@backline/db";
import { customerStatement, parseReportOrThrow, renderReportToFile, ReportDataError, type RenderProgress } from "../src/index.ts";
import { salesData, statementData } from "./fixtures.ts";
import { pdfPages } from "./pdf-text.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "backline-reports-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const generatedAt = new Date("2026-11-22T05:30:00Z");
const base = { reportId: "0193a7c2-5b7e-7c3a-9d1e-3f5a2b1c4d6e", generatedAt };

const plainSpaces = (s: string) => s.replace(/[\u00a0\u2000-\u200a\u202f]/g, " ");

function expectFooters(pages: string[]) {
  for (const [i, text] of pages.entries()) expect(text).toContain(`Page ${i + 1} of ${pages.length}`);
}

describe("sales-summary render", () => {
  it("a month by day: cover + table pages, footers, header repeated, totals printed", async () => {
    const params = { from: "2026-10-01", to: "2026-10-31", groupBy: "day" } as const;
    const data = salesData(params);
    const progress: RenderProgress[] = [];
    const filePath = path.join(dir, "nested", "dir", "sales.pdf");
    const result = await renderReportToFile({
      ...base,
      report: parseReportOrThrow("sales-summary", params),
      data,
      filePath,
      onProgress: (p) => progress.push(p),
    });

    // 31 days × (5 regions + 1 "All regions") = 186 rows at 39 per page → 5 table pages.
    expect(result.pages).toBe(6);
    expect(result.fileName).toBe("sales-summary-2026-10-01-to-2026-10-31.pdf");
    expect(result.summary).toContain("revenue $2,756,730.38 from 17,632 orders");
    const pages = await pdfPages(filePath);
    expect(pages).toHaveLength(6);
    expectFooters(pages);
    expect(pages[0]).toContain("Sales summary");
    // Dates as en-US writes them (Intl, independently of src/format.ts).
    const range = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", dateStyle: "long" }).formatRange(new Date("2026-10-01"), new Date("2026-10-31"));
    expect(range).toMatch(/^October 1\s–\s31, 2026$/);
    // Text extraction reads Intl's thin and narrow no-break spaces back as plain spaces.
    expect(pages[0]).toContain(`${plainSpaces(range)} (31 days, inclusive)`);
    expect(pages[0]).toMatch(/November 22, 2026 at 5:30\sAM UTC/);
    expect(pages[0]).toContain("$2,756,730.38");
    expect(pages[0]).toContain("17,632");
    for (const page of pages.slice(1)) {
      expect(page).toMatch(/PERIOD\s+REGION\s+ORDERS\s+REVENUE\s+AVG\. ORDER VALUE/);
    }
    expect(pages[2]).toContain("Revenue by day and region (continued)");
    // Every period has one subtotal line (plus "All regions" in each of the 5 footers).
    expect(
      pages
        .slice(1)
        .join("\n")
        .match(/All regions/g)?.length,
    ).toBe(31 + 5);
    expect(result.bytes).toBeGreaterThan(1000);

    // Progress: once per page, never backwards, below 100.
    expect(progress.map((p) => p.stage)).toEqual(Array.from({ length: 6 }, (_, i) => `Rendering page ${i + 1} of 6`));
    const percents = progress.map((p) => p.percent);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(Math.max(...percents)).toBeLessThan(100);
  });

  it("three years by day: 1,096 periods bucketed in the chart, ~170 pages with footers", async () => {
    const params = { from: "2023-11-01", to: "2026-10-31", groupBy: "day" } as const;
    const filePath = path.join(dir, "sales-3y.pdf");
    const result = await renderReportToFile({ ...base, report: parseReportOrThrow("sales-summary", params), data: salesData(params), filePath });
    const rows = 1096 * 6;
    expect(result.pages).toBe(1 + Math.ceil(rows / 39));
    const pages = await pdfPages(filePath);
    expect(pages).toHaveLength(result.pages);
    expectFooters(pages);
    expect(pages[0]).toContain("Revenue per 4 days");
    expect(pages[0]).toContain("Each bar sums 4 consecutive days");
  });

  it("one region by week: partial first week labelled by its clipped days, empty weeks say so", async () => {
    const params = { from: "2026-01-01", to: "2026-03-31", groupBy: "week", region: "EU" } as const;
    const filePath = path.join(dir, "sales-eu.pdf");
    await renderReportToFile({ ...base, report: parseReportOrThrow("sales-summary", params), data: salesData(params, { emptyEvery: 4 }), filePath });
    const pages = await pdfPages(filePath);
    expect(pages).toHaveLength(2);
    expectFooters(pages);
    expect(pages[1]).toContain("Revenue by week · Europe (EU)");
    expect(pages[1]).toMatch(/Jan 1\s–\s4, 2026/);
    expect(pages[1]).toMatch(/Mar 30\s–\s31, 2026/);
    expect(pages[1]).not.toContain("REGION");
  });

  it("no orders at all still renders a complete report", async () => {
    const params = { from: "2026-10-01", to: "2026-10-03", groupBy: "day" } as const;
    const data = { ...salesData(params, { emptyEvery: 1 }) };
    expect(data.totals.orders).toBe(0);
    const filePath = path.join(dir, "sales-empty.pdf");
    const result = await renderReportToFile({ ...base, report: parseReportOrThrow("sales-summary", params), data, filePath });
    const pages = await pdfPages(filePath);
    expect(pages).toHaveLength(2);
    expect(pages[0]).toContain("No orders in this period");
    expect(pages[1]?.match(/No orders/g)).toHaveLength(3);
    expect(result.summary).toContain("no orders in this period");
  });
});

describe("customer-statement render", () => {
  it.each([
    [0, 1],
    [5, 1],
    [19, 1], // page 1 holds 22 rows, but the totals block needs the room of 3
    [20, 2], // …so the last row moves over with the totals
    [22, 2],
    [40, 2],
  ])("%i orders → %i page(s), footers, header on each page, totals", async (count, expectedPages) => {
    const data = statementData(count);
    const filePath = path.join(dir, `statement-${count}.pdf`);
    const result = await renderReportToFile({
      ...base,
      report: parseReportOrThrow(customerStatement.id, { customerId: 42, month: "2026-10" }),
      data,
      filePath,
    });
    expect(result.pages).toBe(expectedPages);
    expect(result.fileName).toBe("customer-statement-42-2026-10.pdf");
    const pages = await pdfPages(filePath);
    expect(pages).toHaveLength(expectedPages);
    expectFooters(pages);
    for (const page of pages) expect(page).toMatch(/DATE\s+ORDER\s+PRODUCT\s+QTY\s+UNIT PRICE\s+TOTAL/);
    // Letters outside Windows-1252 print as themselves (embedded fonts).
    expect(pages[0]).toContain("Zoë Łukasiewicz-Smith");
    const all = pages.join("\n");
    expect(all).toContain(`Total for October 2026 (${count} order${count === 1 ? "" : "s"}`);
    if (count === 0) expect(all).toContain("No orders this month.");
    else expect(all.split("Total for October 2026")[1]).toContain(`$${(data.totals.totalCents / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`);
  });

  it("an unknown customer is a ReportDataError with a plain message", async () => {
    const db = { customer: { findUnique: async () => null } } as unknown as PrismaClient;
    const err = await customerStatement.query(db, { customerId: 999999, month: "2026-10" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportDataError);
    expect((err as Error).message).toBe("Customer 999999 does not exist.");
  });
});

describe("renderReportToFile", () => {
  it("cancellation throws the signal's reason and leaves no file, partial or final", async () => {
    const params = { from: "2024-01-01", to: "2026-10-31", groupBy: "day" } as const;
    const filePath = path.join(dir, "cancelled.pdf");
    const controller = new AbortController();
    const reason = new Error("cancelled by user");
    const seenMidway: { partial?: boolean; final?: boolean } = {};
    const err = await renderReportToFile({
      ...base,
      report: parseReportOrThrow("sales-summary", params),
      data: salesData(params),
      filePath,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.stage.startsWith("Rendering page 3 of")) {
          Object.assign(seenMidway, { partial: existsSync(`${filePath}.partial`), final: existsSync(filePath) });
          controller.abort(reason);
        }
      },
    }).catch((e: unknown) => e);
    expect(err).toBe(reason);
    // Midway the PDF existed only under its partial name; afterwards under neither.
    expect(seenMidway).toEqual({ partial: true, final: false });
    expect(existsSync(`${filePath}.partial`)).toBe(false);
    expect(existsSync(filePath)).toBe(false);
  });

  it("a finished render appears under its name whole, with no partial file left", async () => {
    const params = { from: "2026-10-01", to: "2026-10-31", groupBy: "day" } as const;
    const filePath = path.join(dir, "finished.pdf");
    const result = await renderReportToFile({ ...base, report: parseReportOrThrow("sales-summary", params), data: salesData(params), filePath });
    expect(statSync(filePath).size).toBe(result.bytes);
    expect(readFileSync(filePath).subarray(-6).toString("latin1")).toMatch(/%%EOF/);
    expect(existsSync(`${filePath}.partial`)).toBe(false);
  });

  it("surfaces a failure after the PDF was written and removes the partial file it had created", async () => {
    // A directory where the file should go: the PDF is written in full to its partial name, then moving it into place fails (EISDIR).
    const filePath = path.join(dir, "is-a-dir.pdf");
    await import("node:fs/promises").then((fs) => fs.mkdir(filePath));
    const params = { from: "2026-10-01", to: "2026-10-31", groupBy: "day" } as const;
    let partialWhileRendering = false;
    const err = await renderReportToFile({
      ...base,
      report: parseReportOrThrow("sales-summary", params),
      data: salesData(params),
      filePath,
      onProgress: () => void (partialWhileRendering ||= existsSync(`${filePath}.partial`)),
    }).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toMatch(/EISDIR/);
    expect(partialWhileRendering).toBe(true);
    expect(existsSync(`${filePath}.partial`)).toBe(false);
    expect(statSync(filePath).isDirectory()).toBe(true); // what was there is untouched
  });
});
