// Sales summary: revenue, orders and average order value over a date range,
// per day/week/month and per region.
import type { PrismaClient } from "@backline/db";
import { z } from "zod";
import {
  addDays,
  daysInclusive,
  formatDateTimeUtc,
  formatLongDate,
  formatMonth,
  formatShortDate,
  isoDate,
  lastFullMonth,
  parseIsoDate,
  periodStarts,
  type Grouping,
} from "../dates.ts";
import { defineReportType, type RenderContext } from "../define.ts";
import { bucketBars, drawBarChart, maxBarsFor } from "../pdf/bar-chart.ts";
import { drawDetails, drawSectionTitle, DETAIL_LINE_HEIGHT, SECTION_TITLE_HEIGHT } from "../pdf/details.ts";
import { drawReportHeader, REPORT_HEADER_HEIGHT } from "../pdf/header.ts";
import { drawKpiBoxes, KPI_BOX_HEIGHT } from "../pdf/kpi-boxes.ts";
import { divideCents, formatMoney, formatMoneyCompact, groupThousands } from "../pdf/money.ts";
import { PageSequence } from "../pdf/pages.ts";
import { Table } from "../pdf/table.ts";
import { drawLine } from "../pdf/text.ts";
import { COLOR, CONTENT } from "../pdf/theme.ts";
import { toSafeInteger } from "../sql.ts";

export const REGION_CODES = ["NA", "EU", "APAC", "LATAM", "MEA"] as const;
export type RegionCode = (typeof REGION_CODES)[number];
export const GROUPINGS = ["day", "week", "month"] as const;

/** Longest allowed range, counting both ends: 3 × 366 days. */
export const MAX_RANGE_DAYS = 3 * 366;

const dateField = (label: string) =>
  z
    .string({ error: `${label} must be a date written YYYY-MM-DD` })
    .refine((s) => parseIsoDate(s) !== undefined, { error: `${label} must be a real calendar date written YYYY-MM-DD` });

/**
 * Defaults: the last full calendar month before now, by day, all regions.
 * With only `to` given the range starts on the first of to's month; with only
 * `from` given it ends at the end of the last full month (or of from's month,
 * when from is later).
 */
export const salesSummaryParams = z
  .strictObject(
    {
      from: dateField("Start date").optional(),
      to: dateField("End date").optional(),
      groupBy: z.enum(GROUPINGS, { error: "Group by must be one of: day, week, month" }).default("day"),
      region: z.enum(REGION_CODES, { error: `Region must be one of: ${REGION_CODES.join(", ")}` }).optional(),
    },
    {
      error: (issue) => (issue.code === "unrecognized_keys" ? `Unknown parameter${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}` : undefined),
    },
  )
  .transform((input, ctx) => {
    const month = lastFullMonth();
    let from = input.from;
    let to = input.to;
    if (from === undefined) from = to === undefined ? month.first : `${to.slice(0, 7)}-01`;
    if (to === undefined) {
      to = month.last;
      if (to < from) to = isoDate(addDays(Date.UTC(Number(from.slice(0, 4)), Number(from.slice(5, 7)), 1), -1));
    }
    const fromMs = parseIsoDate(from) ?? 0;
    const toMs = parseIsoDate(to) ?? 0;
    if (fromMs > toMs) {
      ctx.issues.push({ code: "custom", path: ["to"], input: input.to, message: "End date must be on or after the start date" });
      return z.NEVER;
    }
    const days = daysInclusive(fromMs, toMs);
    if (days > MAX_RANGE_DAYS) {
      ctx.issues.push({
        code: "custom",
        path: ["to"],
        input: input.to,
        message: `Date range must be at most ${groupThousands(MAX_RANGE_DAYS)} days (3 years); this one is ${groupThousands(days)} days`,
      });
      return z.NEVER;
    }
    return { from, to, groupBy: input.groupBy, ...(input.region ? { region: input.region } : {}) } as {
      from: string;
      to: string;
      groupBy: Grouping;
      region?: RegionCode;
    };
  });

export type SalesSummaryParams = z.output<typeof salesSummaryParams>;

export interface SalesSummaryData {
  params: SalesSummaryParams;
  /** Every region, in display order (id order). */
  regions: { code: string; name: string }[];
  totals: { orders: number; revenueCents: number };
  /** Every period in the range, including empty ones, in order. */
  periods: { start: string; orders: number; revenueCents: number }[];
  /** Non-empty (period, region) pairs. */
  rows: { periodStart: string; region: string; orders: number; revenueCents: number }[];
}

async function query(db: PrismaClient, params: SalesSummaryParams): Promise<SalesSummaryData> {
  const fromMs = parseIsoDate(params.from) ?? 0;
  const toExclusive = new Date(addDays(parseIsoDate(params.to) ?? 0, 1));
  const regions = await db.region.findMany({ select: { code: true, name: true }, orderBy: { id: "asc" } });
  // One pass: grouping sets give the (period, region) rows, the per-period
  // totals and the grand total together. grouping() tells which is which.
  const result = await db.$queryRaw<{ period: string | null; region: string | null; level: number; orders: number; revenue: bigint | null }[]>`
    with o as (
      select date_trunc(${params.groupBy}, o.ordered_at, 'UTC') as period, r.code as region, o.total_cents
      from orders o join regions r on r.id = o.region_id
      where o.ordered_at >= ${new Date(fromMs)} and o.ordered_at < ${toExclusive}
        and (${params.region ?? null}::text is null or r.code = ${params.region ?? null}::text)
    )
    -- Group on the timestamp and format the few result rows, not every order.
    select to_char(period at time zone 'UTC', 'YYYY-MM-DD') as period, region, grouping(period, region)::int as level,
           count(*)::int as orders, coalesce(sum(total_cents), 0)::bigint as revenue
    from o
    group by grouping sets ((period, region), (period), ())`;

  const totals = { orders: 0, revenueCents: 0 };
  const byPeriod = new Map<string, { orders: number; revenueCents: number }>();
  const rows: SalesSummaryData["rows"] = [];
  for (const r of result) {
    const figures = { orders: toSafeInteger(r.orders), revenueCents: toSafeInteger(r.revenue ?? 0n) };
    if (r.level === 3) Object.assign(totals, figures);
    else if (r.level === 1 && r.period) byPeriod.set(r.period, figures);
    else if (r.level === 0 && r.period && r.region) rows.push({ periodStart: r.period, region: r.region, ...figures });
  }
  const regionOrder = new Map(regions.map((r, i) => [r.code, i]));
  rows.sort((a, b) => a.periodStart.localeCompare(b.periodStart) || (regionOrder.get(a.region) ?? 99) - (regionOrder.get(b.region) ?? 99));
  const periods = periodStarts(fromMs, parseIsoDate(params.to) ?? 0, params.groupBy).map((start) => ({
    start,
    ...(byPeriod.get(start) ?? { orders: 0, revenueCents: 0 }),
  }));
  return { params, regions, totals, periods, rows };
}

// ---- wording -------------------------------------------------------------

const UNIT: Record<Grouping, { noun: string; plural: string }> = {
  day: { noun: "day", plural: "days" },
  week: { noun: "week", plural: "weeks" },
  month: { noun: "month", plural: "months" },
};

function rangeInWords(from: string, to: string, short = false): string {
  const fmt = short ? (d: string) => formatShortDate(d) : formatLongDate;
  if (from === to) return fmt(from);
  const wholeMonth = from.endsWith("-01") && to === isoDate(addDays(Date.UTC(Number(to.slice(0, 4)), Number(to.slice(5, 7)), 1), -1));
  if (wholeMonth && from.slice(0, 7) === to.slice(0, 7)) return formatMonth(from, short);
  return `${fmt(from)} – ${fmt(to)}`;
}

function regionInWords(data: SalesSummaryData): string {
  const code = data.params.region;
  if (!code) return "All regions";
  const name = data.regions.find((r) => r.code === code)?.name;
  return name ? `${name} (${code})` : code;
}

/** The part of a period inside [from, to], in words: "5 Oct 2026", "5 Oct – 11 Oct 2026", "October 2026". */
function periodLabel(start: string, grouping: Grouping, from: string, to: string): string {
  if (grouping === "day") return formatShortDate(start);
  const startMs = parseIsoDate(start) ?? 0;
  const naturalEnd = grouping === "week" ? addDays(startMs, 6) : addDays(Date.UTC(Number(start.slice(0, 4)), Number(start.slice(5, 7)), 1), -1);
  const s = start < from ? from : start;
  const e = isoDate(naturalEnd) > to ? to : isoDate(naturalEnd);
  if (grouping === "month" && s === start && e === isoDate(naturalEnd)) return formatMonth(start);
  if (s === e) return formatShortDate(s);
  const sameYear = s.slice(0, 4) === e.slice(0, 4);
  return `${formatShortDate(s, !sameYear)} – ${formatShortDate(e)}`;
}

function averageOrder(revenueCents: number, orders: number): string {
  return orders === 0 ? "—" : formatMoney(divideCents(revenueCents, orders));
}

// ---- layout --------------------------------------------------------------

type TableRow = { period: string; region: string; orders: number; revenueCents: number; kind: "region" | "total" | "empty" };

function tableRows(data: SalesSummaryData): TableRow[] {
  const { from, to, groupBy, region } = data.params;
  const names = new Map(data.regions.map((r) => [r.code, r.name]));
  const byPeriod = new Map<string, SalesSummaryData["rows"]>();
  for (const row of data.rows) byPeriod.set(row.periodStart, [...(byPeriod.get(row.periodStart) ?? []), row]);
  const out: TableRow[] = [];
  for (const p of data.periods) {
    const period = periodLabel(p.start, groupBy, from, to);
    const detail = byPeriod.get(p.start) ?? [];
    if (detail.length === 0) {
      out.push({ period, region: "No orders", orders: 0, revenueCents: 0, kind: "empty" });
      continue;
    }
    for (const d of detail) out.push({ period, region: names.get(d.region) ?? d.region, orders: d.orders, revenueCents: d.revenueCents, kind: "region" });
    if (!region) out.push({ period, region: "All regions", orders: p.orders, revenueCents: p.revenueCents, kind: "total" });
  }
  return out;
}

function makeTable(grouped: boolean): Table<TableRow> {
  return new Table<TableRow>({
    columns: [
      { header: "Period", weight: 3.2, value: (r) => r.period, hideRepeats: grouped },
      // With one region (a filter) the column would repeat it on every line; the title names it instead.
      ...(grouped ? [{ header: "Region", weight: 2.4, value: (r: TableRow) => r.region }] : []),
      { header: "Orders", weight: 1.3, align: "right", value: (r) => groupThousands(r.orders) },
      { header: "Revenue", weight: 2.2, align: "right", value: (r) => formatMoney(r.revenueCents) },
      { header: "Avg. order value", weight: 2, align: "right", value: (r) => averageOrder(r.revenueCents, r.orders) },
    ],
    // Grouped by region: each period ends in a shaded "All regions" line, which
    // already separates groups, so plain rows stay white. Otherwise zebra.
    rowStyle: (r, i) =>
      r.kind === "total" ? { bold: true, fill: COLOR.subtotal, ruleAbove: false } : grouped ? { fill: null } : { fill: i % 2 === 1 ? COLOR.zebra : null },
  });
}

// Fixed page-1 geometry (the cover): everything below is planned from these.
const COVER = (() => {
  const details = CONTENT.top + REPORT_HEADER_HEIGHT + 10;
  const kpis = details + 5 * DETAIL_LINE_HEIGHT + 18;
  const chartTitle = kpis + KPI_BOX_HEIGHT + 24;
  const chart = chartTitle + SECTION_TITLE_HEIGHT;
  const note = CONTENT.bottom - 22;
  return { details, kpis, chartTitle, chart, chartHeight: note - 14 - chart, note };
})();

async function render(doc: PDFKit.PDFDocument, data: SalesSummaryData, ctx: RenderContext): Promise<void> {
  const { from, to, groupBy, region } = data.params;
  const unit = UNIT[groupBy];
  const rows = tableRows(data);
  const table = makeTable(!region);
  const tableTop = CONTENT.top + SECTION_TITLE_HEIGHT;
  const slices = table.paginate(rows.length, CONTENT.bottom - tableTop, CONTENT.bottom - tableTop);
  const pages = new PageSequence(doc, {
    totalPages: 1 + slices.length,
    footerLabel: `Backline · Sales summary · ${rangeInWords(from, to, true)} · ${regionInWords(data)} · by ${unit.noun}`,
    ctx,
  });

  // Page 1: what was asked, the headline numbers, the chart.
  await pages.start();
  drawReportHeader(doc, { title: "Sales summary", subtitle: `${rangeInWords(from, to)} · ${regionInWords(data)} · by ${unit.noun}` });
  drawDetails(
    doc,
    [
      [
        "Period",
        `${formatLongDate(from)} to ${formatLongDate(to)} (${groupThousands(daysInclusive(parseIsoDate(from) ?? 0, parseIsoDate(to) ?? 0))} days, inclusive)`,
      ],
      ["Regions", regionInWords(data)],
      ["Grouped by", `${unit.noun[0]?.toUpperCase()}${unit.noun.slice(1)}${groupBy === "week" ? " (weeks start on Monday)" : ""}`],
      ["Generated", formatDateTimeUtc(ctx.generatedAt)],
      ["Report ID", ctx.reportId],
    ],
    { x: CONTENT.left, y: COVER.details, width: CONTENT.width },
  );
  const { orders, revenueCents } = data.totals;
  drawKpiBoxes(
    doc,
    [
      { label: "Revenue", value: formatMoney(revenueCents) },
      { label: "Orders", value: groupThousands(orders) },
      { label: "Average order value", value: averageOrder(revenueCents, orders) },
    ],
    { x: CONTENT.left, y: COVER.kpis, width: CONTENT.width },
  );

  const multiYear = from.slice(0, 4) !== to.slice(0, 4);
  const allBars = data.periods.map((p) => {
    const s = p.start < from ? from : p.start;
    const label = groupBy === "month" ? formatMonth(p.start, true) : formatShortDate(s, multiYear);
    return { label, value: p.revenueCents };
  });
  const chart = bucketBars(allBars, maxBarsFor(CONTENT.width - 50));
  const chartTitle = chart.size === 1 ? `Revenue per ${unit.noun}` : `Revenue per ${chart.size} ${unit.plural}`;
  drawSectionTitle(doc, chartTitle, { x: CONTENT.left, y: COVER.chartTitle, width: CONTENT.width });
  drawBarChart(doc, {
    x: CONTENT.left,
    y: COVER.chart,
    width: CONTENT.width,
    height: COVER.chartHeight,
    bars: chart.bars,
    formatTick: formatMoneyCompact,
    minTickStep: 100,
    emptyMessage: "No orders in this period",
  });
  const notes = ["All dates and times are UTC; amounts in US dollars."];
  if (chart.size > 1) {
    notes.push(`Each bar sums ${chart.size} consecutive ${unit.plural}${chart.lastSize < chart.size ? `; the last covers ${chart.lastSize}` : ""}.`);
  }
  drawLine(doc, notes.join(" "), CONTENT.left, COVER.note, { size: 7.5, color: COLOR.muted, width: CONTENT.width });

  // Pages 2..N: the table, header row repeated on each page.
  for (const [i, slice] of slices.entries()) {
    await pages.next();
    const title = `Revenue by ${unit.noun}${region ? ` · ${regionInWords(data)}` : " and region"}${i > 0 ? " (continued)" : ""}`;
    drawSectionTitle(doc, title, { x: CONTENT.left, y: CONTENT.top, width: CONTENT.width });
    table.drawSlice(doc, rows.slice(slice.start, slice.end), { x: CONTENT.left, y: tableTop, width: CONTENT.width, firstIndex: slice.start });
  }
  pages.finish();
}

function summarize(data: SalesSummaryData): string {
  const { from, to, groupBy } = data.params;
  const { orders, revenueCents } = data.totals;
  const range = `${formatLongDate(from)} to ${formatLongDate(to)}`;
  if (orders === 0) return `Sales summary for ${range} (${regionInWords(data).toLowerCase()}): no orders in this period.`;
  return (
    `Sales summary for ${range} (${regionInWords(data).replace("All regions", "all regions")}, by ${UNIT[groupBy].noun}): ` +
    `revenue ${formatMoney(revenueCents)} from ${groupThousands(orders)} order${orders === 1 ? "" : "s"}, ` +
    `average order value ${averageOrder(revenueCents, orders)}.`
  );
}

export const salesSummary = defineReportType({
  id: "sales-summary",
  title: "Sales summary",
  description: "Revenue, orders and average order value for a date range, per day, week or month and per region.",
  params: salesSummaryParams,
  form: [
    { name: "from", label: "From", kind: "date", help: "First day included (UTC). Defaults to the start of last month." },
    { name: "to", label: "To", kind: "date", help: `Last day included (UTC); at most ${groupThousands(MAX_RANGE_DAYS)} days after From.` },
    {
      name: "groupBy",
      label: "Group by",
      kind: "select",
      options: [
        { value: "day", label: "Day" },
        { value: "week", label: "Week (Monday to Sunday)" },
        { value: "month", label: "Month" },
      ],
    },
    {
      name: "region",
      label: "Region",
      kind: "select",
      options: [
        { value: "", label: "All regions" },
        { value: "NA", label: "North America (NA)" },
        { value: "EU", label: "Europe (EU)" },
        { value: "APAC", label: "Asia-Pacific (APAC)" },
        { value: "LATAM", label: "Latin America (LATAM)" },
        { value: "MEA", label: "Middle East & Africa (MEA)" },
      ],
    },
  ],
  query,
  render,
  summarize,
  fileName: (p) => `sales-summary-${p.from}-to-${p.to}${p.region ? `-${p.region.toLowerCase()}` : ""}.pdf`,
});
