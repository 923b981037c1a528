// Customer statement: one customer's orders in one calendar month.
import type { PrismaClient } from "@backline/db";
import { z } from "zod";
import { addMonths, formatDateTimeUtc, formatLongDate, formatMonth, formatShortDate, isoDate, lastFullMonth, parseIsoMonth, addDays } from "../dates.ts";
import { defineReportType, type RenderContext } from "../define.ts";
import { ReportDataError } from "../errors.ts";
import { drawDetails, drawSectionTitle, DETAIL_LINE_HEIGHT, SECTION_TITLE_HEIGHT } from "../pdf/details.ts";
import { drawReportHeader, REPORT_HEADER_HEIGHT } from "../pdf/header.ts";
import { drawKpiBoxes, KPI_BOX_HEIGHT } from "../pdf/kpi-boxes.ts";
import { formatMoney, groupThousands } from "../pdf/money.ts";
import { PageSequence } from "../pdf/pages.ts";
import { Table } from "../pdf/table.ts";
import { drawLine } from "../pdf/text.ts";
import { COLOR, CONTENT, FONT } from "../pdf/theme.ts";
import { toSafeInteger } from "../sql.ts";

const MAX_INT4 = 2_147_483_647;

export const customerStatementParams = z.strictObject(
  {
    customerId: z
      .number({ error: "Customer ID must be a whole number" })
      .int({ error: "Customer ID must be a whole number" })
      .positive({ error: "Customer ID must be a positive number" })
      .max(MAX_INT4, { error: "Customer ID is too large" })
      .default(1),
    month: z
      .string({ error: "Month must be written YYYY-MM" })
      .refine((s) => parseIsoMonth(s) !== undefined, { error: "Month must be a real month written YYYY-MM" })
      .default(() => lastFullMonth().month),
  },
  {
    error: (issue) => (issue.code === "unrecognized_keys" ? `Unknown parameter${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}` : undefined),
  },
);

export type CustomerStatementParams = z.output<typeof customerStatementParams>;

export interface CustomerStatementData {
  month: string;
  customer: { id: number; name: string; email: string; regionCode: string; regionName: string };
  /** In order of time. */
  orders: { id: number; orderedAt: string; product: string; quantity: number; unitPriceCents: number; totalCents: number }[];
  totals: { orders: number; items: number; totalCents: number };
}

async function query(db: PrismaClient, params: CustomerStatementParams): Promise<CustomerStatementData> {
  const customer = await db.customer.findUnique({
    where: { id: params.customerId },
    select: { id: true, name: true, email: true, region: { select: { code: true, name: true } } },
  });
  if (!customer) throw new ReportDataError(`Customer ${params.customerId} does not exist.`);
  const start = new Date(parseIsoMonth(params.month) ?? 0);
  const end = new Date(addMonths(start.getTime(), 1));
  const where = { customerId: customer.id, orderedAt: { gte: start, lt: end } };
  const orders = await db.order.findMany({
    where,
    select: { id: true, orderedAt: true, quantity: true, unitPriceCents: true, totalCents: true, product: { select: { name: true } } },
    orderBy: [{ orderedAt: "asc" }, { id: "asc" }],
  });
  // Totals come from the database, not from adding up the rows in JS.
  const [totals] = await db.$queryRaw<{ orders: bigint; items: bigint | null; total: bigint | null }[]>`
    select count(*) as orders, sum(quantity)::bigint as items, sum(total_cents)::bigint as total
    from orders where customer_id = ${customer.id} and ordered_at >= ${start} and ordered_at < ${end}`;
  return {
    month: params.month,
    customer: { id: customer.id, name: customer.name, email: customer.email, regionCode: customer.region.code, regionName: customer.region.name },
    orders: orders.map((o) => ({
      id: o.id,
      orderedAt: o.orderedAt.toISOString(),
      product: o.product.name,
      quantity: o.quantity,
      unitPriceCents: o.unitPriceCents,
      totalCents: o.totalCents,
    })),
    totals: {
      orders: toSafeInteger(totals?.orders ?? 0n),
      items: toSafeInteger(totals?.items ?? 0n),
      totalCents: toSafeInteger(totals?.total ?? 0n),
    },
  };
}

type OrderRow = CustomerStatementData["orders"][number];

const table = new Table<OrderRow>({
  columns: [
    { header: "Date", weight: 1.7, value: (o) => formatShortDate(o.orderedAt.slice(0, 10)) },
    { header: "Order", weight: 1.3, value: (o) => `#${o.id}` },
    { header: "Product", weight: 4.2, value: (o) => o.product },
    { header: "Qty", weight: 0.8, align: "right", value: (o) => groupThousands(o.quantity) },
    { header: "Unit price", weight: 1.6, align: "right", value: (o) => formatMoney(o.unitPriceCents) },
    { header: "Total", weight: 1.7, align: "right", value: (o) => formatMoney(o.totalCents) },
  ],
  emptyMessage: "No orders this month.",
});

const TOTALS_HEIGHT = 40;

// Fixed page-1 geometry; later pages start the table at the top.
const FIRST = (() => {
  const details = CONTENT.top + REPORT_HEADER_HEIGHT + 10;
  const kpis = details + 5 * DETAIL_LINE_HEIGHT + 18;
  const title = kpis + KPI_BOX_HEIGHT + 24;
  return { details, kpis, title, table: title + SECTION_TITLE_HEIGHT };
})();
const NEXT_TABLE_TOP = CONTENT.top + SECTION_TITLE_HEIGHT;

function monthRangeInWords(month: string): string {
  const first = `${month}-01`;
  const last = isoDate(addDays(addMonths(parseIsoMonth(month) ?? 0, 1), -1));
  return `${formatLongDate(first)} to ${formatLongDate(last)}`;
}

async function render(doc: PDFKit.PDFDocument, data: CustomerStatementData, ctx: RenderContext): Promise<void> {
  const { customer, totals } = data;
  const monthName = formatMonth(data.month);
  const slices = table.paginate(data.orders.length, CONTENT.bottom - FIRST.table, CONTENT.bottom - NEXT_TABLE_TOP, TOTALS_HEIGHT);
  const pages = new PageSequence(doc, {
    totalPages: slices.length,
    footerLabel: `Backline · Customer statement · ${customer.name} (#${customer.id}) · ${monthName}`,
    ctx,
  });

  await pages.start();
  drawReportHeader(doc, { title: "Customer statement", subtitle: `${monthName} · ${customer.name}` });
  drawDetails(
    doc,
    [
      ["Customer", `${customer.name} (customer #${customer.id})`],
      ["Email", customer.email],
      ["Region", `${customer.regionName} (${customer.regionCode})`],
      ["Statement period", monthRangeInWords(data.month)],
      ["Generated", formatDateTimeUtc(ctx.generatedAt)],
    ],
    { x: CONTENT.left, y: FIRST.details, width: CONTENT.width, labelWidth: 110 },
  );
  drawKpiBoxes(
    doc,
    [
      { label: "Orders", value: groupThousands(totals.orders) },
      { label: "Items", value: groupThousands(totals.items) },
      { label: "Total", value: formatMoney(totals.totalCents) },
    ],
    { x: CONTENT.left, y: FIRST.kpis, width: CONTENT.width },
  );

  let y = 0;
  for (const [i, slice] of slices.entries()) {
    if (i > 0) await pages.next();
    const top = i === 0 ? FIRST.title : CONTENT.top;
    drawSectionTitle(doc, i === 0 ? "Orders" : "Orders (continued)", { x: CONTENT.left, y: top, width: CONTENT.width });
    y = table.drawSlice(doc, data.orders.slice(slice.start, slice.end), {
      x: CONTENT.left,
      y: top + SECTION_TITLE_HEIGHT,
      width: CONTENT.width,
      firstIndex: slice.start,
    });
  }

  // Totals under the last row (paginate() reserved TOTALS_HEIGHT for it).
  const label = `Total for ${monthName} (${groupThousands(totals.orders)} order${totals.orders === 1 ? "" : "s"}, ${groupThousands(totals.items)} item${totals.items === 1 ? "" : "s"})`;
  const amountWidth = 120;
  drawLine(doc, label, CONTENT.left, y + 14, { font: FONT.bold, size: 9.5, width: CONTENT.width - amountWidth - 12, color: COLOR.text });
  drawLine(doc, formatMoney(totals.totalCents), CONTENT.right - amountWidth - 6, y + 14, {
    font: FONT.bold,
    size: 9.5,
    width: amountWidth,
    align: "right",
  });
  doc
    .save()
    .moveTo(CONTENT.left, y + 32)
    .lineTo(CONTENT.right, y + 32)
    .lineWidth(1)
    .strokeColor(COLOR.accent)
    .stroke()
    .restore();
  pages.finish();
}

function summarize(data: CustomerStatementData): string {
  const { customer, totals } = data;
  const who = `${customer.name} (${customer.email})`;
  if (totals.orders === 0) return `Statement for ${who} for ${formatMonth(data.month)}: no orders this month.`;
  return (
    `Statement for ${who} for ${formatMonth(data.month)}: ${groupThousands(totals.orders)} order${totals.orders === 1 ? "" : "s"} ` +
    `(${groupThousands(totals.items)} item${totals.items === 1 ? "" : "s"}) totalling ${formatMoney(totals.totalCents)}.`
  );
}

export const customerStatement = defineReportType({
  id: "customer-statement",
  title: "Customer statement",
  description: "One customer's orders in one calendar month, with totals.",
  params: customerStatementParams,
  form: [
    { name: "customerId", label: "Customer", kind: "customer" },
    { name: "month", label: "Month", kind: "month", help: "Defaults to last month (UTC)." },
  ],
  query,
  render,
  summarize,
  fileName: (p) => `customer-statement-${p.customerId}-${p.month}.pdf`,
});
