import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { customerStatementParams, MAX_RANGE_DAYS, parseReport, parseReportOrThrow, salesSummaryParams } from "../src/index.ts";

function issues(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string; code: string }[] } }) {
  expect(result.success).toBe(false);
  return result.error?.issues ?? [];
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-11-22T05:30:00Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("sales-summary params", () => {
  it("fills every default from {}: last full month, by day, all regions", () => {
    expect(salesSummaryParams.parse({})).toEqual({ from: "2026-10-01", to: "2026-10-31", groupBy: "day" });
  });

  it("uses the previous year's December in January, and a 29-day February in a leap year", () => {
    vi.setSystemTime(new Date("2027-01-01T00:00:00Z"));
    expect(salesSummaryParams.parse({})).toMatchObject({ from: "2026-12-01", to: "2026-12-31" });
    vi.setSystemTime(new Date("2028-03-31T23:59:59Z"));
    expect(salesSummaryParams.parse({})).toMatchObject({ from: "2028-02-01", to: "2028-02-29" });
  });

  it("accepts a complete request unchanged (so stored params re-parse to themselves)", () => {
    const input = { from: "2025-01-01", to: "2025-03-31", groupBy: "week", region: "EU" };
    const parsed = salesSummaryParams.parse(input);
    expect(parsed).toEqual(input);
    expect(salesSummaryParams.parse(parsed)).toEqual(parsed);
  });

  it("fills a missing end or start relative to the one given", () => {
    expect(salesSummaryParams.parse({ to: "2025-03-15" })).toMatchObject({ from: "2025-03-01", to: "2025-03-15" });
    expect(salesSummaryParams.parse({ from: "2026-06-10" })).toMatchObject({ from: "2026-06-10", to: "2026-10-31" });
    expect(salesSummaryParams.parse({ from: "2026-11-05" })).toMatchObject({ from: "2026-11-05", to: "2026-11-30" });
  });

  it.each([
    ["2026-02-30", "not a real day"],
    ["2026-13-01", "no month 13"],
    ["2026-1-01", "not YYYY-MM-DD"],
    ["01/10/2026", "wrong format"],
    ["", "empty"],
  ])("rejects from=%s (%s), naming the start date", (from) => {
    const [issue] = issues(salesSummaryParams.safeParse({ from, to: "2026-10-31" }));
    expect(issue?.path).toEqual(["from"]);
    expect(issue?.message).toMatch(/^Start date must be a real calendar date written YYYY-MM-DD/);
  });

  it("rejects a bad end date, naming it", () => {
    const [issue] = issues(salesSummaryParams.safeParse({ to: "2025-02-29" }));
    expect(issue?.path).toEqual(["to"]);
    expect(issue?.message).toMatch(/^End date/);
  });

  it("rejects from after to", () => {
    const [issue] = issues(salesSummaryParams.safeParse({ from: "2026-10-02", to: "2026-10-01" }));
    expect(issue?.path).toEqual(["to"]);
    expect(issue?.message).toBe("End date must be on or after the start date");
  });

  it(`allows exactly ${MAX_RANGE_DAYS} days and rejects one more`, () => {
    expect(MAX_RANGE_DAYS).toBe(1098);
    // 2023-01-01 + 1097 days = 2026-01-02 → 1,098 days inclusive.
    expect(salesSummaryParams.safeParse({ from: "2023-01-01", to: "2026-01-02" }).success).toBe(true);
    const [issue] = issues(salesSummaryParams.safeParse({ from: "2023-01-01", to: "2026-01-03" }));
    expect(issue?.path).toEqual(["to"]);
    expect(issue?.message).toBe("Date range must be at most 1,098 days (3 years); this one is 1,099 days");
  });

  it("rejects an unknown region and groupBy, naming each", () => {
    const result = issues(salesSummaryParams.safeParse({ region: "EUROPE", groupBy: "year" }));
    expect(result.map((i) => i.path[0]).sort()).toEqual(["groupBy", "region"]);
    expect(result.find((i) => i.path[0] === "region")?.message).toBe("Region must be one of: NA, EU, APAC, LATAM, MEA");
    expect(result.find((i) => i.path[0] === "groupBy")?.message).toBe("Group by must be one of: day, week, month");
  });

  it("rejects unknown keys by name", () => {
    const [issue] = issues(salesSummaryParams.safeParse({ from: "2026-10-01", regoin: "EU", extra: 1 }));
    expect(issue?.code).toBe("unrecognized_keys");
    expect(issue?.message).toBe("Unknown parameters: regoin, extra");
  });

  it.each([
    [{ from: 20261001 }, "from", /^Start date must be a date written YYYY-MM-DD/],
    [{ to: null }, "to", /^End date must be a date written YYYY-MM-DD/],
    [{ groupBy: 1 }, "groupBy", /^Group by/],
    [{ region: ["EU"] }, "region", /^Region/],
  ])("rejects wrong types: %j", (input, field, message) => {
    const [issue] = issues(salesSummaryParams.safeParse(input));
    expect(issue?.path).toEqual([field]);
    expect(issue?.message).toMatch(message);
  });

  it("rejects input that is not an object", () => {
    expect(salesSummaryParams.safeParse(null).success).toBe(false);
    expect(salesSummaryParams.safeParse("x").success).toBe(false);
  });
});

describe("customer-statement params", () => {
  it("defaults to customer 1 and the last full month", () => {
    expect(customerStatementParams.parse({})).toEqual({ customerId: 1, month: "2026-10" });
  });

  it("accepts good input", () => {
    expect(customerStatementParams.parse({ customerId: 2000, month: "2024-02" })).toEqual({ customerId: 2000, month: "2024-02" });
  });

  it.each([
    [{ customerId: 0 }, "customerId", "Customer ID must be a positive number"],
    [{ customerId: -3 }, "customerId", "Customer ID must be a positive number"],
    [{ customerId: 1.5 }, "customerId", "Customer ID must be a whole number"],
    [{ customerId: "12" }, "customerId", "Customer ID must be a whole number"],
    [{ customerId: 3_000_000_000 }, "customerId", "Customer ID is too large"],
    [{ month: "2026-13" }, "month", "Month must be a real month written YYYY-MM"],
    [{ month: "2026-10-01" }, "month", "Month must be a real month written YYYY-MM"],
    [{ month: 202610 }, "month", "Month must be written YYYY-MM"],
  ])("rejects %j naming %s", (input, field, message) => {
    const [issue] = issues(customerStatementParams.safeParse(input));
    expect(issue?.path).toEqual([field]);
    expect(issue?.message).toBe(message);
  });

  it("rejects unknown keys", () => {
    const [issue] = issues(customerStatementParams.safeParse({ customer: 5 }));
    expect(issue?.message).toBe("Unknown parameter: customer");
  });
});

describe("parseReport", () => {
  it("parses by type id, filling in defaults", () => {
    const result = parseReport("customer-statement", { customerId: 7 });
    expect(result.ok && result.report.params).toEqual({ customerId: 7, month: "2026-10" });
    expect(result.ok && result.report.type.id).toBe("customer-statement");
  });

  it("names an unknown type at path type", () => {
    const result = parseReport("nope", {});
    expect(result).toEqual({
      ok: false,
      error: "Invalid report request",
      issues: [{ path: "type", message: expect.stringMatching(/^Unknown report type; expected one of sales-summary/) }],
    });
  });

  it("names bad parameters under params, unknown ones by their own path, and refuses stored JSON that went wrong", () => {
    expect(parseReport("sales-summary", { region: "XX", colour: "red" })).toEqual({
      ok: false,
      error: "Invalid report parameters",
      issues: expect.arrayContaining([
        { path: "params.colour", message: "Unknown field" },
        { path: "params.region", message: expect.stringMatching(/^Region must be one of/) },
      ]),
    });
    expect(() => parseReportOrThrow("sales-summary", { region: "XX" })).toThrow(/params\.region: Region must be one of/);
  });
});
