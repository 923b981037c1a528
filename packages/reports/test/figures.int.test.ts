// Figures printed in the PDFs must equal independent SQL aggregates over the
// seeded demo data, in a scratch database of this run's own.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient, INTERNATIONAL_CUSTOMERS, INTERNATIONAL_PRODUCT_LINES, seedDemoData } from "@backline/db";
import { createScratchDatabase } from "@backline/test-kit";
import { parseReportOrThrow, renderReportToFile } from "../src/index.ts";
import { pdfPages } from "./pdf-text.ts";

// Its own scratch database, seeded with the real demo-data generator (smaller).
const scratch = await createScratchDatabase();
const url = scratch.url;
{
  const seeder = createPrismaClient(url);
  await seedDemoData(seeder, { customers: 80, orders: 20_000 });
  await seeder.$disconnect();
}
const seeded = await probe();

async function probe(): Promise<{ endsAt: Date }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ ends_at: Date }>("select ends_at from seed_info");
    return { endsAt: rows[0]!.ends_at };
  } finally {
    await client.end();
  }
}

/** Independent of src/pdf/money.ts on purpose. */
const usd = (cents: string | number) => (Number(cents) / 100).toLocaleString("en-US", { style: "currency", currency: "USD" });
const count = (n: string | number) => Number(n).toLocaleString("en-US");
const iso = (d: Date) => d.toISOString().slice(0, 10);

describe("printed figures match SQL (seeded database)", () => {
  const db = createPrismaClient(url);
  const sql = new pg.Pool({ connectionString: url, max: 2 });
  let dir = "";
  afterAll(async () => {
    await db.$disconnect();
    await sql.end();
    await scratch.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // The data covers the 24 whole months before seed_info.ends_at (a month start).
  const endsAt = seeded.endsAt;
  const lastDay = new Date(endsAt.getTime() - 86_400_000);
  const base = { reportId: "it", generatedAt: new Date("2026-11-22T05:30:00Z") };

  async function render(type: "sales-summary" | "customer-statement", params: object) {
    dir ||= await mkdtemp(path.join(os.tmpdir(), "backline-figures-"));
    const filePath = path.join(dir, `${type}-${Math.random().toString(36).slice(2)}.pdf`);
    const result = await renderReportToFile({ ...base, report: parseReportOrThrow(type, params), db, filePath });
    const pages = await pdfPages(filePath);
    expect(pages).toHaveLength(result.pages);
    for (const [i, p] of pages.entries()) expect(p).toContain(`Page ${i + 1} of ${pages.length}`);
    return { result, pages };
  }

  it("sales summary, all regions, 12 months by week: totals", async () => {
    const from = iso(new Date(Date.UTC(endsAt.getUTCFullYear() - 1, endsAt.getUTCMonth(), 1)));
    const to = iso(lastDay);
    const { rows } = await sql.query<{ n: string; revenue: string }>(
      `select count(*) as n, sum(total_cents) as revenue from orders
       where ordered_at >= $1::date and ordered_at < $2::date + 1`,
      [from, to],
    );
    const expected = rows[0];
    const { result, pages } = await render("sales-summary", { from, to, groupBy: "week" });
    expect(Number(expected?.n)).toBeGreaterThan(0);
    expect(pages[0]).toContain(usd(expected?.revenue ?? 0));
    expect(pages[0]).toContain(count(expected?.n ?? 0));
    expect(result.summary).toContain(`revenue ${usd(expected?.revenue ?? 0)} from ${count(expected?.n ?? 0)} orders`);
  });

  it("sales summary, one region by month over all data: totals and every month's line", async () => {
    const from = iso(new Date(Date.UTC(endsAt.getUTCFullYear() - 2, endsAt.getUTCMonth(), 1)));
    const to = iso(lastDay);
    const { rows: months } = await sql.query<{ month: string; n: string; revenue: string }>(
      `select to_char(date_trunc('month', o.ordered_at at time zone 'UTC'), 'FMMonth YYYY') as month,
              count(*) as n, sum(o.total_cents) as revenue
       from orders o join regions r on r.id = o.region_id
       where r.code = 'EU' and o.ordered_at >= $1::date and o.ordered_at < $2::date + 1
       group by 1, date_trunc('month', o.ordered_at at time zone 'UTC') order by 2`,
      [from, to],
    );
    expect(months).toHaveLength(24);
    const { pages } = await render("sales-summary", { from, to, groupBy: "month", region: "EU" });
    const table = pages.slice(1).join("\n");
    for (const m of months) expect(table).toContain(`${m.month} ${count(m.n)} ${usd(m.revenue)}`);
    const total = months.reduce((s, m) => s + BigInt(m.revenue), 0n);
    expect(pages[0]).toContain(usd(total.toString()));
  });

  /** "2026-10-05" → "Oct 5, 2026" as en-US writes it (Intl here, independently of src/format.ts). */
  const utc = (day: string) => new Date(`${day}T00:00:00Z`);
  const short = (day: string) => new Intl.DateTimeFormat("en-US", { timeZone: "UTC", dateStyle: "medium" }).format(utc(day));
  /** "Oct 5 – 11, 2026"; text extraction reads Intl's thin spaces back as plain ones. */
  const shortRange = (from: string, to: string) =>
    new Intl.DateTimeFormat("en-US", { timeZone: "UTC", dateStyle: "medium" }).formatRange(utc(from), utc(to)).replace(/[\u2009\u202f]/g, " ");

  it("sales summary, one region by day: every day's line matches SQL's UTC day buckets", async () => {
    const from = iso(new Date(Date.UTC(endsAt.getUTCFullYear(), endsAt.getUTCMonth() - 2, 1)));
    const to = iso(new Date(Date.UTC(endsAt.getUTCFullYear(), endsAt.getUTCMonth() - 1, 0)));
    const { rows: days } = await sql.query<{ day: string; n: string; revenue: string }>(
      `select to_char(o.ordered_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*) as n, sum(o.total_cents) as revenue
       from orders o join regions r on r.id = o.region_id
       where r.code = 'NA' and o.ordered_at >= $1::date and o.ordered_at < $2::date + 1
       group by 1 order by 1`,
      [from, to],
    );
    expect(days.length).toBeGreaterThan(20);
    const { pages } = await render("sales-summary", { from, to, groupBy: "day", region: "NA" });
    const table = pages.slice(1).join("\n");
    for (const d of days) expect(table).toContain(`${short(d.day)} ${count(d.n)} ${usd(d.revenue)}`);
  });

  it("sales summary, one region by week from a mid-week day: Monday-based weeks, the first and last clipped to the range, as SQL buckets them", async () => {
    // A Thursday start and a Tuesday end: both edge weeks are partial.
    const monthStart = Date.UTC(endsAt.getUTCFullYear(), endsAt.getUTCMonth() - 3, 1);
    const firstThursday = monthStart + ((4 - new Date(monthStart).getUTCDay() + 7) % 7) * 86_400_000;
    const from = iso(new Date(firstThursday));
    const to = iso(new Date(firstThursday + (7 * 6 + 5) * 86_400_000));
    const { rows: weeks } = await sql.query<{ week: string; n: string; revenue: string }>(
      `select to_char(date_trunc('week', o.ordered_at at time zone 'UTC'), 'YYYY-MM-DD') as week, count(*) as n, sum(o.total_cents) as revenue
       from orders o join regions r on r.id = o.region_id
       where r.code = 'NA' and o.ordered_at >= $1::date and o.ordered_at < $2::date + 1
       group by 1 order by 1`,
      [from, to],
    );
    expect(weeks).toHaveLength(8); // the Thursday's week, six whole ones, the Tuesday's week
    const { pages } = await render("sales-summary", { from, to, groupBy: "week", region: "NA" });
    const table = pages.slice(1).join("\n");
    for (const w of weeks) {
      const start = w.week < from ? from : w.week;
      const sunday = iso(new Date(Date.parse(`${w.week}T00:00:00Z`) + 6 * 86_400_000));
      const end = sunday > to ? to : sunday;
      const label = shortRange(start, end);
      expect(table).toContain(`${label} ${count(w.n)} ${usd(w.revenue)}`);
    }
    expect(weeks[0]!.week < from).toBe(true); // the first week really was clipped
  });

  it("customer statement: the busiest customer of the last month", async () => {
    const month = iso(lastDay).slice(0, 7);
    const { rows } = await sql.query<{ customer_id: number; n: string; revenue: string; items: string }>(
      `select customer_id, count(*) as n, sum(total_cents) as revenue, sum(quantity) as items from orders
       where ordered_at >= $1::date and ordered_at < ($1::date + interval '1 month')
       group by customer_id order by count(*) desc, customer_id limit 1`,
      [`${month}-01`],
    );
    const expected = rows[0];
    expect(expected).toBeDefined();
    const { pages, result } = await render("customer-statement", { customerId: expected?.customer_id, month });
    const text = pages.join("\n");
    expect(text).toContain(`(${count(expected?.n ?? 0)} orders, ${count(expected?.items ?? 0)} items) ${usd(expected?.revenue ?? 0)}`);
    expect(result.summary).toContain(`totalling ${usd(expected?.revenue ?? 0)}`);
  });

  it("customer statements print every demo name exactly, whatever its script (right to left, CJK, diacritics)", async () => {
    const { rows } = await sql.query<{ customer_id: number; month: string; name: string }>(
      `select distinct on (o.customer_id) o.customer_id, c.name, to_char(o.ordered_at at time zone 'UTC', 'YYYY-MM') as month
       from orders o join customers c on c.id = o.customer_id
       where o.customer_id <= $1 order by o.customer_id, o.ordered_at desc`,
      [INTERNATIONAL_CUSTOMERS.length],
    );
    expect(rows.map((r) => r.name)).toEqual(INTERNATIONAL_CUSTOMERS.map((c) => c.name));
    const products = new Set<string>();
    for (const row of rows) {
      const { pages, result } = await render("customer-statement", { customerId: row.customer_id, month: row.month });
      const text = pages.join("\n");
      expect(text, row.name).toContain(row.name);
      expect(result.summary).toContain(row.name);
      for (const line of INTERNATIONAL_PRODUCT_LINES) if (text.includes(`${line} `)) products.add(line);
    }
    // The product lines in other scripts show up in these statements too (one or more of each tier).
    expect(products.size).toBeGreaterThan(0);
  });

  it("an unknown customer fails with a plain reason", async () => {
    await expect(render("customer-statement", { customerId: 999_999, month: "2026-01" })).rejects.toThrow("Customer 999999 does not exist.");
  });
});
