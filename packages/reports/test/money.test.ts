import { describe, expect, it } from "vitest";
import { divideCents, formatMoney, formatMoneyCompact, groupThousands } from "../src/pdf/money.ts";

describe("formatMoney", () => {
  it.each([
    [0, "$0.00"],
    [5, "$0.05"],
    [99, "$0.99"],
    [100, "$1.00"],
    [123456789, "$1,234,567.89"],
    [100000000, "$1,000,000.00"],
    [-5, "-$0.05"],
    [-123456, "-$1,234.56"],
    [Number.MAX_SAFE_INTEGER, "$90,071,992,547,409.91"],
    [12345678901234567890n, "$123,456,789,012,345,678.90"],
  ] as const)("%s cents → %s", (cents, text) => {
    expect(formatMoney(cents)).toBe(text);
  });

  it("is exact where float dollars are not (0.1 + 0.2)", () => {
    expect(formatMoney(10 + 20)).toBe("$0.30");
    expect(formatMoney(1_000_000_000_000_07)).toBe("$1,000,000,000,000.07");
  });

  it("refuses fractional cents", () => {
    expect(() => formatMoney(1.5)).toThrow(RangeError);
  });
});

describe("divideCents", () => {
  it("rounds half away from zero to a whole cent", () => {
    expect(divideCents(1000, 3)).toBe(333n);
    expect(divideCents(1001, 2)).toBe(501n); // 500.5 → 501
    expect(divideCents(-1001, 2)).toBe(-501n);
    expect(divideCents(2, 3)).toBe(1n);
  });
  it("refuses a zero count", () => {
    expect(() => divideCents(100, 0)).toThrow(RangeError);
  });
});

describe("formatMoneyCompact and groupThousands", () => {
  it.each([
    [0, "$0"],
    [50_00, "$50"],
    [999_00, "$999"],
    [25_000_00, "$25K"],
    [1_500_000_00, "$1.5M"],
    [1_250_000_00, "$1.25M"],
    [2_000_000_000_00, "$2B"],
  ])("%s → %s", (cents, text) => {
    expect(formatMoneyCompact(cents)).toBe(text);
  });
  it("groups digits", () => {
    expect(groupThousands(0)).toBe("0");
    expect(groupThousands(1098)).toBe("1,098");
    expect(groupThousands(-1234567)).toBe("-1,234,567");
  });
});
