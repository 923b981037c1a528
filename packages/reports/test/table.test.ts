import { describe, expect, it } from "vitest";
import { Table } from "../src/pdf/table.ts";
import { bucketBars, niceStep } from "../src/pdf/bar-chart.ts";

const table = new Table<number>({ columns: [{ header: "N", weight: 1, value: String }], rowHeight: 10, headerHeight: 20 });

describe("Table.paginate", () => {
  it("computes rows per page from fixed heights", () => {
    expect(table.rowsFitting(120)).toBe(10);
    expect(table.rowsFitting(129)).toBe(10);
    expect(table.rowsFitting(19)).toBe(0);
  });

  it.each([
    [0, 1],
    [1, 1],
    [5, 1],
    [6, 2], // first page holds 5
    [15, 2], // 5 + 10
    [16, 3],
    [1005, 101],
  ])("%i rows → %i pages (5 on the first, 10 after)", (rows, pages) => {
    const slices = table.paginate(rows, 70, 120);
    expect(slices).toHaveLength(pages);
    // Slices cover every row exactly once, in order.
    expect(slices[0]?.start).toBe(0);
    expect(slices.at(-1)?.end).toBe(rows);
    for (const [i, s] of slices.slice(1).entries()) expect(s.start).toBe(slices[i]?.end);
  });

  it("keeps room after the last row and never leaves a trailing block alone", () => {
    // 25 points reserved = 3 rows. 10 rows fill page 1 (cap 10) → last row moves over.
    expect(table.paginate(7, 120, 120, 25)).toEqual([{ start: 0, end: 7 }]);
    expect(table.paginate(8, 120, 120, 25)).toEqual([
      { start: 0, end: 7 },
      { start: 7, end: 8 },
    ]);
    expect(table.paginate(10, 120, 120, 25)).toEqual([
      { start: 0, end: 9 },
      { start: 9, end: 10 },
    ]);
    expect(table.paginate(11, 120, 120, 25)).toEqual([
      { start: 0, end: 10 },
      { start: 10, end: 11 },
    ]);
  });

  it("refuses a page too small for a header and a row", () => {
    expect(() => table.paginate(3, 25, 120)).toThrow(RangeError);
  });
});

describe("bar chart helpers", () => {
  it("buckets bars into at most maxBars, summing values", () => {
    const bars = Array.from({ length: 1098 }, (_, i) => ({ label: String(i), value: 1 }));
    const out = bucketBars(bars, 300);
    expect(out.size).toBe(4);
    expect(out.bars).toHaveLength(275);
    expect(out.lastSize).toBe(2);
    expect(out.bars.reduce((s, b) => s + b.value, 0)).toBe(1098);
    expect(out.bars[1]?.label).toBe("4");
    expect(bucketBars(bars.slice(0, 31), 300)).toMatchObject({ size: 1, lastSize: 1 });
  });

  it("picks nice tick steps", () => {
    expect(niceStep(150_000_00, 5, 100)).toBe(50_000_00);
    expect(niceStep(98_000, 5, 100)).toBe(20_000);
    expect(niceStep(0, 5, 100)).toBe(100);
    expect(niceStep(130, 5, 100)).toBe(100);
  });
});
