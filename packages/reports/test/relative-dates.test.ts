// Dates relative to a scheduled run, resolved on the run's local date, and
// written into each type's own fields (only types that declare them).
import { describe, expect, it } from "vitest";
import { paramsForRun, recipientParams, recipientTypeIds, resolveRange } from "../src/index.ts";

const day = (iso: string) => new Date(`${iso}T08:00:00Z`);

describe("relative dates", () => {
  it("resolve on the run's date: previous day, week (Monday–Sunday), month, month to date, last N days", () => {
    const monday = day("2026-03-02"); // a Monday
    expect(resolveRange({ range: "previous-day" }, monday)).toEqual({ from: "2026-03-01", to: "2026-03-01" });
    expect(resolveRange({ range: "previous-week" }, monday)).toEqual({ from: "2026-02-23", to: "2026-03-01" });
    expect(resolveRange({ range: "previous-week" }, day("2026-03-08"))).toEqual({ from: "2026-02-23", to: "2026-03-01" }); // a Sunday
    expect(resolveRange({ range: "previous-month" }, monday)).toEqual({ from: "2026-02-01", to: "2026-02-28" });
    expect(resolveRange({ range: "previous-month" }, day("2028-03-01"))).toEqual({ from: "2028-02-01", to: "2028-02-29" });
    expect(resolveRange({ range: "previous-month" }, day("2027-01-10"))).toEqual({ from: "2026-12-01", to: "2026-12-31" });
    expect(resolveRange({ range: "month-to-date" }, day("2026-03-15"))).toEqual({ from: "2026-03-01", to: "2026-03-15" });
    expect(resolveRange({ range: "last-n-days", days: 7 }, monday)).toEqual({ from: "2026-02-23", to: "2026-03-01" });
  });

  it("are written into each type's own fields, and only types that declare them are changed", () => {
    const run = day("2026-03-02");
    expect(paramsForRun("sales-summary", { groupBy: "day" }, { range: "previous-week" }, run)).toEqual({
      groupBy: "day",
      from: "2026-02-23",
      to: "2026-03-01",
    });
    expect(paramsForRun("customer-statement", { customerId: 7 }, { range: "previous-month" }, run)).toEqual({ customerId: 7, month: "2026-02" });
    expect(paramsForRun("customer-statement", { customerId: 7, month: "2025-01" }, null, run)).toEqual({ customerId: 7, month: "2025-01" });
  });
});

describe("per-recipient types", () => {
  it("are the ones that name their customer param; others are not campaign material", () => {
    expect(recipientTypeIds()).toEqual(["customer-statement"]);
    expect(recipientParams("customer-statement", { month: "2026-10" }, 42)).toEqual({ month: "2026-10", customerId: 42 });
    expect(recipientParams("sales-summary", {}, 42)).toBeNull();
  });
});
