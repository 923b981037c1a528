// Customer statement: one customer's orders in one calendar month.
import type { PrismaClient } from "@backline/db";
import { z } from "zod";
import { addDays, addMonths, isoDate, lastFullMonth, parseIsoMonth } from "../dates.ts";
import { defineReportType, type RenderContext, type ReportHighlights } from "../define.ts";
import { ReportDataError } from "../errors.ts";
import type { ReportFormat } from "../format.ts";
import { drawDetails, drawSectionTitle, DETAIL_LINE_HEIGHT, SECTION_TITLE_HEIGHT } from "../pdf/details.ts";
import { drawReportHeader, REPORT_HEADER_HEIGHT } from "../pdf/header.ts";
import { drawKpiBoxes, KPI_BOX_HEIGHT } from "../pdf/kpi-boxes.ts";
import { PageSequence } from "../pdf/pages.ts";
import { Table } from "../pdf/table.ts";
import { artifact, close, open, tag, within } from "../pdf/structure.ts";
import { drawLine } from "../pdf/text.ts";
import { isolate } from "../pdf/text-runs.ts";
import { COLOR, FONT, type PageGeometry } from "../pdf/theme.ts";
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

function makeTable(f: ReportFormat): Table<OrderRow> {
  return new Table<OrderRow>({
    columns: [
      { header: "Date", weight: 1.7, value: (o) => f.shortDate(o.orderedAt.slice(0, 10)) },
      { header: "Order", weight: 1.3, value: (o) => `#${o.id}` },
      { header: "Product", weight: 4.2, value: (o) => o.product },
      { header: "Qty", weight: 0.8, align: "right", value: (o) => f.integer(o.quantity) },
      { header: "Unit price", weight: 1.6, align: "right", value: (o) => f.money(o.unitPriceCents) },
      { header: "Total", weight: 1.7, align: "right", value: (o) => f.money(o.totalCents) },
    ],
    emptyMessage: "No orders this month.",
  });
}

const TOTALS_HEIGHT = 40;

/** Page-1 geometry; later pages start the table at the top. */
function firstPageLayout(page: PageGeometry) {
  const details = page.content.top + REPORT_HEADER_HEIGHT + 10;
  const kpis = details + 5 * DETAIL_LINE_HEIGHT + 18;
  const title = kpis + KPI_BOX_HEIGHT + 24;
  return { details, kpis, title, table: title + SECTION_TITLE_HEIGHT };
}

function monthRange(month: string): [first: string, last: string] {
  return [`${month}-01`, isoDate(addDays(addMonths(parseIsoMonth(month) ?? 0, 1), -1))];
}

const plural = (n: number, word: string, f: ReportFormat) => `${f.integer(n)} ${word}${n === 1 ? "" : "s"}`;

async function render(doc: PDFKit.PDFDocument, data: CustomerStatementData, ctx: RenderContext): Promise<void> {
  const { totals } = data;
  // The name in sentences keeps its own direction (a Hebrew name before "(#42)").
  const customer = { ...data.customer, name: isolate(data.customer.name) };
  const { format: f, page } = ctx;
  const { content } = page;
  const first = firstPageLayout(page);
  const nextTableTop = content.top + SECTION_TITLE_HEIGHT;
  const table = makeTable(f);
  const monthName = f.month(data.month);
  const slices = table.paginate(data.orders.length, content.bottom - first.table, content.bottom - nextTableTop, TOTALS_HEIGHT);
  const pages = new PageSequence(doc, {
    totalPages: slices.length,
    footerLabel: `Backline · Customer statement · ${customer.name} (#${customer.id}) · ${monthName}`,
    ctx,
  });

  await pages.start();
  drawReportHeader(doc, page, { title: "Customer statement", subtitle: `${monthName} · ${customer.name}` });
  drawDetails(
    doc,
    [
      ["Customer", `${customer.name} (customer #${customer.id})`],
      ["Email", customer.email],
      ["Region", `${customer.regionName} (${customer.regionCode})`],
      ["Statement period", f.dateRange(...monthRange(data.month))],
      ["Generated", f.dateTimeUtc(ctx.generatedAt)],
    ],
    { x: content.left, y: first.details, width: content.width, labelWidth: 110 },
  );
  drawKpiBoxes(
    doc,
    [
      { label: "Orders", value: f.integer(totals.orders) },
      { label: "Items", value: f.integer(totals.items) },
      { label: "Total", value: f.money(totals.totalCents) },
    ],
    { x: content.left, y: first.kpis, width: content.width },
  );

  const section = open(doc, "Sect");
  let y = 0;
  for (const [i, slice] of slices.entries()) {
    if (i > 0) await pages.next();
    const top = i === 0 ? first.title : content.top;
    const at = { x: content.left, y: top, width: content.width };
    if (i === 0) drawSectionTitle(doc, "Orders", at);
    else drawSectionTitle(doc, "Orders (continued)", at, { repeated: true });
    y = table.drawSlice(doc, data.orders.slice(slice.start, slice.end), {
      x: content.left,
      y: top + SECTION_TITLE_HEIGHT,
      width: content.width,
      firstIndex: slice.start,
      last: i === slices.length - 1,
    });
  }

  // Totals under the last row (paginate() reserved TOTALS_HEIGHT for it): one paragraph, label then amount.
  const label = `Total for ${monthName} (${plural(totals.orders, "order", f)}, ${plural(totals.items, "item", f)})`;
  const amountWidth = 120;
  within(doc, "P", () => {
    tag(doc, "Span", () =>
      drawLine(doc, label, content.left, y + 14, { font: FONT.bold, size: 9.5, width: content.width - amountWidth - 12, color: COLOR.text }),
    );
    tag(doc, "Span", () =>
      drawLine(doc, f.money(totals.totalCents), content.right - amountWidth - 6, y + 14, { font: FONT.bold, size: 9.5, width: amountWidth, align: "right" }),
    );
  });
  artifact(doc, () => {
    doc
      .save()
      .moveTo(content.left, y + 32)
      .lineTo(content.right, y + 32)
      .lineWidth(1)
      .strokeColor(COLOR.accent)
      .stroke()
      .restore();
  });
  close(doc, section);
  pages.finish();
}

function highlights(data: CustomerStatementData, f: ReportFormat): ReportHighlights {
  const { customer, totals } = data;
  return {
    subject: `${isolate(customer.name)} (customer #${customer.id}) · ${f.month(data.month)}`,
    figures: [
      { label: "Total", value: f.money(totals.totalCents) },
      { label: "Orders", value: f.integer(totals.orders) },
      { label: "Items", value: f.integer(totals.items) },
    ],
  };
}

function summarize(data: CustomerStatementData, f: ReportFormat): string {
  const { customer, totals } = data;
  // Isolated, a right-to-left name leaves the words and brackets around it in place (PDF metadata, email).
  const who = `${isolate(customer.name)} (${customer.email})`;
  if (totals.orders === 0) return `Statement for ${who} for ${f.month(data.month)}: no orders this month.`;
  return (
    `Statement for ${who} for ${f.month(data.month)}: ${plural(totals.orders, "order", f)} ` +
    `(${plural(totals.items, "item", f)}) totalling ${f.money(totals.totalCents)}.`
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
  highlights,
  fileName: (p) => `customer-statement-${p.customerId}-${p.month}.pdf`,
  isEmpty: (data) => data.orders.length === 0,
  // A statement covers one calendar month: the previous one, or this one so far.
  relativeDates: {
    ranges: ["previous-month", "month-to-date"],
    fields: ["month"],
    apply: (params, range) => ({ ...params, month: range.from.slice(0, 7) }),
  },
  recipientParam: "customerId",
});
