// Sales summary: revenue, orders and average order value over a date range,
// per day/week/month and per region.
import type { PrismaClient } from "@backline/db";
import { z } from "zod";
import { addDays, daysInclusive, isoDate, lastFullMonth, parseIsoDate, periodStarts, type Grouping } from "../dates.ts";
import { defineReportType, type RenderContext, type ReportHighlights } from "../define.ts";
import type { ReportFormat } from "../format.ts";
import { bucketBars, drawBarChart, maxBarsFor } from "../pdf/bar-chart.ts";
import { drawDetails, drawSectionTitle, DETAIL_LINE_HEIGHT, SECTION_TITLE_HEIGHT } from "../pdf/details.ts";
import { drawReportHeader, REPORT_HEADER_HEIGHT } from "../pdf/header.ts";
import { drawKpiBoxes, KPI_BOX_HEIGHT } from "../pdf/kpi-boxes.ts";
import { groupThousands } from "../pdf/money.ts";
import { PageSequence } from "../pdf/pages.ts";
import { Table } from "../pdf/table.ts";
import { close, open, tag, within } from "../pdf/structure.ts";
import { drawLine } from "../pdf/text.ts";
import { COLOR, type PageGeometry } from "../pdf/theme.ts";
import { toSafeInteger } from "../sql.ts";

export const REGION_CODES = ["NA", "EU", "APAC", "LATAM", "MEA"] as const;
export type RegionCode = (typeof REGION_CODES)[number];
const GROUPINGS = ["day", "week", "month"] as const;

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

const lastDayOfMonth = (iso: string) => isoDate(addDays(Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), 1), -1));

function rangeInWords(f: ReportFormat, from: string, to: string, short = false): string {
  if (from === to) return short ? f.shortDate(from) : f.date(from);
  if (from.endsWith("-01") && to === lastDayOfMonth(to) && from.slice(0, 7) === to.slice(0, 7)) return f.month(from, short);
  return f.dateRange(from, to, short);
}

function regionInWords(data: SalesSummaryData): string {
  const code = data.params.region;
  if (!code) return "All regions";
  const name = data.regions.find((r) => r.code === code)?.name;
  return name ? `${name} (${code})` : code;
}

/** The part of a period inside [from, to], in words: "Oct 5, 2026", "Oct 5 – 11, 2026", "October 2026". */
function periodLabel(f: ReportFormat, start: string, grouping: Grouping, from: string, to: string): string {
  if (grouping === "day") return f.shortDate(start);
  const startMs = parseIsoDate(start) ?? 0;
  const naturalEnd = grouping === "week" ? isoDate(addDays(startMs, 6)) : lastDayOfMonth(start);
  const s = start < from ? from : start;
  const e = naturalEnd > to ? to : naturalEnd;
  if (grouping === "month" && s === start && e === naturalEnd) return f.month(start);
  return s === e ? f.shortDate(s) : f.dateRange(s, e, true);
}

// ---- layout --------------------------------------------------------------

type TableRow = { period: string; region: string; orders: number; revenueCents: number; kind: "region" | "total" | "empty" };

function tableRows(data: SalesSummaryData, f: ReportFormat): TableRow[] {
  const { from, to, groupBy, region } = data.params;
  const names = new Map(data.regions.map((r) => [r.code, r.name]));
  const byPeriod = new Map<string, SalesSummaryData["rows"]>();
  for (const row of data.rows) byPeriod.set(row.periodStart, [...(byPeriod.get(row.periodStart) ?? []), row]);
  const out: TableRow[] = [];
  for (const p of data.periods) {
    const period = periodLabel(f, p.start, groupBy, from, to);
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

function makeTable(grouped: boolean, f: ReportFormat): Table<TableRow> {
  return new Table<TableRow>({
    columns: [
      { header: "Period", weight: 3.2, value: (r) => r.period, hideRepeats: grouped },
      // With one region (a filter) the column would repeat it on every line; the title names it instead.
      ...(grouped ? [{ header: "Region", weight: 2.4, value: (r: TableRow) => r.region }] : []),
      { header: "Orders", weight: 1.3, align: "right", value: (r) => f.integer(r.orders) },
      { header: "Revenue", weight: 2.2, align: "right", value: (r) => f.money(r.revenueCents) },
      { header: "Avg. order value", weight: 2, align: "right", value: (r) => f.averageMoney(r.revenueCents, r.orders) },
    ],
    // Grouped by region: each period ends in a shaded "All regions" line, which
    // already separates groups, so plain rows stay white. Otherwise zebra.
    rowStyle: (r, i) =>
      r.kind === "total" ? { bold: true, fill: COLOR.subtotal, ruleAbove: false } : grouped ? { fill: null } : { fill: i % 2 === 1 ? COLOR.zebra : null },
  });
}

/** Page-1 geometry (the cover): everything below is planned from these. */
function coverLayout(page: PageGeometry) {
  const { content } = page;
  const details = content.top + REPORT_HEADER_HEIGHT + 10;
  const kpis = details + 5 * DETAIL_LINE_HEIGHT + 18;
  const chartTitle = kpis + KPI_BOX_HEIGHT + 24;
  const chart = chartTitle + SECTION_TITLE_HEIGHT;
  const note = content.bottom - 22;
  return { details, kpis, chartTitle, chart, chartHeight: note - 14 - chart, note };
}

/** The chart in words, for readers who can't see it. */
function chartAlt(data: SalesSummaryData, f: ReportFormat, title: string, bars: { label: string; value: number }[]): string {
  const { from, to } = data.params;
  const range = rangeInWords(f, from, to);
  if (bars.length === 0 || data.totals.orders === 0) return `Bar chart, ${title.toLowerCase()}, ${range}: no orders in this period.`;
  let high = bars[0] as { label: string; value: number };
  let low = high;
  for (const bar of bars) {
    if (bar.value > high.value) high = bar;
    if (bar.value < low.value) low = bar;
  }
  return (
    `Bar chart, ${title.toLowerCase()}, ${range}, ${f.integer(bars.length)} bars: ` +
    `highest ${f.money(high.value)} (${high.label}), lowest ${f.money(low.value)} (${low.label}); total ${f.money(data.totals.revenueCents)}.`
  );
}

async function render(doc: PDFKit.PDFDocument, data: SalesSummaryData, ctx: RenderContext): Promise<void> {
  const { from, to, groupBy, region } = data.params;
  const { format: f, page } = ctx;
  const { content } = page;
  const cover = coverLayout(page);
  const unit = UNIT[groupBy];
  const rows = tableRows(data, f);
  const table = makeTable(!region, f);
  const tableTop = content.top + SECTION_TITLE_HEIGHT;
  const slices = table.paginate(rows.length, content.bottom - tableTop, content.bottom - tableTop);
  const pages = new PageSequence(doc, {
    totalPages: 1 + slices.length,
    footerLabel: `Backline · Sales summary · ${rangeInWords(f, from, to, true)} · ${regionInWords(data)} · by ${unit.noun}`,
    ctx,
  });

  // Page 1: what was asked, the headline numbers, the chart.
  await pages.start();
  drawReportHeader(doc, page, { title: "Sales summary", subtitle: `${rangeInWords(f, from, to)} · ${regionInWords(data)} · by ${unit.noun}` });
  drawDetails(
    doc,
    [
      ["Period", `${f.dateRange(from, to)} (${f.integer(daysInclusive(parseIsoDate(from) ?? 0, parseIsoDate(to) ?? 0))} days, inclusive)`],
      ["Regions", regionInWords(data)],
      ["Grouped by", `${unit.noun[0]?.toUpperCase()}${unit.noun.slice(1)}${groupBy === "week" ? " (weeks start on Monday)" : ""}`],
      ["Generated", f.dateTimeUtc(ctx.generatedAt)],
      ["Report ID", ctx.reportId],
    ],
    { x: content.left, y: cover.details, width: content.width },
  );
  drawKpiBoxes(
    doc,
    highlights(data, f).figures.map(({ label, value }) => ({ label, value })),
    { x: content.left, y: cover.kpis, width: content.width },
  );

  const multiYear = from.slice(0, 4) !== to.slice(0, 4);
  const allBars = data.periods.map((p) => {
    const s = p.start < from ? from : p.start;
    const label = groupBy === "month" ? f.month(p.start, true) : f.shortDate(s, multiYear);
    return { label, value: p.revenueCents };
  });
  const chart = bucketBars(allBars, maxBarsFor(content.width - 50));
  const chartTitle = chart.size === 1 ? `Revenue per ${unit.noun}` : `Revenue per ${chart.size} ${unit.plural}`;
  within(doc, "Sect", () => {
    drawSectionTitle(doc, chartTitle, { x: content.left, y: cover.chartTitle, width: content.width });
    drawBarChart(doc, {
      x: content.left,
      y: cover.chart,
      width: content.width,
      height: cover.chartHeight,
      bars: chart.bars,
      formatTick: f.moneyCompact,
      minTickStep: 100,
      emptyMessage: "No orders in this period",
      alt: chartAlt(data, f, chartTitle, chart.bars),
    });
    const notes = ["All dates and times are UTC; amounts in US dollars."];
    if (chart.size > 1) {
      notes.push(`Each bar sums ${chart.size} consecutive ${unit.plural}${chart.lastSize < chart.size ? `; the last covers ${chart.lastSize}` : ""}.`);
    }
    tag(doc, "P", () => drawLine(doc, notes.join(" "), content.left, cover.note, { size: 7.5, color: COLOR.muted, width: content.width }));
  });

  // Pages 2..N: the table (one table across pages), header row repeated on each page.
  const tableTitle = `Revenue by ${unit.noun}${region ? ` · ${regionInWords(data)}` : " and region"}`;
  const section = open(doc, "Sect");
  for (const [i, slice] of slices.entries()) {
    await pages.next();
    const at = { x: content.left, y: content.top, width: content.width };
    // A continued title repeats the first: page furniture, not a new heading.
    if (i === 0) drawSectionTitle(doc, tableTitle, at);
    else drawSectionTitle(doc, `${tableTitle} (continued)`, at, { repeated: true });
    table.drawSlice(doc, rows.slice(slice.start, slice.end), {
      x: content.left,
      y: tableTop,
      width: content.width,
      firstIndex: slice.start,
      last: i === slices.length - 1,
    });
  }
  close(doc, section);
  pages.finish();
}

function highlights(data: SalesSummaryData, f: ReportFormat): ReportHighlights {
  const { from, to, groupBy } = data.params;
  const { orders, revenueCents } = data.totals;
  return {
    subject: `${rangeInWords(f, from, to)} · ${regionInWords(data)} · by ${UNIT[groupBy].noun}`,
    figures: [
      { label: "Revenue", value: f.money(revenueCents) },
      { label: "Orders", value: f.integer(orders) },
      { label: "Average order value", value: f.averageMoney(revenueCents, orders) },
    ],
  };
}

function summarize(data: SalesSummaryData, f: ReportFormat): string {
  const { from, to, groupBy } = data.params;
  const { orders, revenueCents } = data.totals;
  const range = f.dateRange(from, to);
  if (orders === 0) return `Sales summary for ${range} (${regionInWords(data).toLowerCase()}): no orders in this period.`;
  return (
    `Sales summary for ${range} (${regionInWords(data).replace("All regions", "all regions")}, by ${UNIT[groupBy].noun}): ` +
    `revenue ${f.money(revenueCents)} from ${f.integer(orders)} order${orders === 1 ? "" : "s"}, ` +
    `average order value ${f.averageMoney(revenueCents, orders)}.`
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
  isEmpty: (data) => data.totals.orders === 0,
  relativeDates: {
    ranges: ["previous-day", "previous-week", "previous-month", "month-to-date", "last-n-days"],
    fields: ["from", "to"],
    apply: (params, range) => ({ ...params, from: range.from, to: range.to }),
  },
  render,
  summarize,
  highlights,
  fileName: (p) => `sales-summary-${p.from}-to-${p.to}${p.region ? `-${p.region.toLowerCase()}` : ""}.pdf`,
});
