// Deterministic in-memory report data, so rendering can be tested without a database.
import { parseIsoDate, periodStarts } from "../src/dates.ts";
import type { CustomerStatementData } from "../src/types/customer-statement.ts";
import type { SalesSummaryData, SalesSummaryParams } from "../src/types/sales-summary.ts";

const REGIONS = [
  { code: "NA", name: "North America" },
  { code: "EU", name: "Europe" },
  { code: "APAC", name: "Asia-Pacific" },
  { code: "LATAM", name: "Latin America" },
  { code: "MEA", name: "Middle East & Africa" },
];

/** Small deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function salesData(params: SalesSummaryParams, options: { emptyEvery?: number } = {}): SalesSummaryData {
  const rnd = random(42);
  const starts = periodStarts(parseIsoDate(params.from) ?? 0, parseIsoDate(params.to) ?? 0, params.groupBy);
  const regions = params.region ? REGIONS.filter((r) => r.code === params.region) : REGIONS;
  const rows: SalesSummaryData["rows"] = [];
  const periods = starts.map((start, i) => {
    let orders = 0;
    let revenueCents = 0;
    if (!(options.emptyEvery && i % options.emptyEvery === 0)) {
      for (const r of regions) {
        const o = 20 + Math.floor(rnd() * 200);
        const rev = o * (5_000 + Math.floor(rnd() * 20_000)) + Math.floor(rnd() * 100);
        rows.push({ periodStart: start, region: r.code, orders: o, revenueCents: rev });
        orders += o;
        revenueCents += rev;
      }
    }
    return { start, orders, revenueCents };
  });
  const totals = periods.reduce((t, p) => ({ orders: t.orders + p.orders, revenueCents: t.revenueCents + p.revenueCents }), { orders: 0, revenueCents: 0 });
  return { params, regions: REGIONS, totals, periods, rows };
}

export function statementData(
  orderCount: number,
  month = "2026-10",
  options: { customerName?: string; products?: readonly string[] } = {},
): CustomerStatementData {
  const rnd = random(7);
  const products = options.products ?? [
    "Trail Runner Pro",
    "Espresso Grinder",
    "Merino Wool Beanie",
    "Ultralight Tent 2P with an unusually long product name for layout",
    "USB-C Hub",
  ];
  const orders = Array.from({ length: orderCount }, (_, i) => {
    const quantity = 1 + Math.floor(rnd() * 4);
    const unitPriceCents = 999 + Math.floor(rnd() * 50_000);
    const day = 1 + Math.floor((i * 28) / Math.max(1, orderCount));
    return {
      id: 100_000 + i,
      orderedAt: `${month}-${String(day).padStart(2, "0")}T10:${String(i % 60).padStart(2, "0")}:00.000Z`,
      product: products[i % products.length] ?? "Product",
      quantity,
      unitPriceCents,
      totalCents: quantity * unitPriceCents,
    };
  });
  return {
    month,
    customer: { id: 42, name: options.customerName ?? "Zoë Łukasiewicz-Smith", email: "zoe@example.com", regionCode: "EU", regionName: "Europe" },
    orders,
    totals: {
      orders: orders.length,
      items: orders.reduce((s, o) => s + o.quantity, 0),
      totalCents: orders.reduce((s, o) => s + o.totalCents, 0),
    },
  };
}
