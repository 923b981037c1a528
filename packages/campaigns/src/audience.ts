// Who a campaign goes to: all customers, one region's, a list of customer ids,
// or an uploaded CSV of customer ids or addresses (checked row by row, each bad
// row named by its line). Recipients are written in one INSERT … SELECT, so
// 100,000 of them take one statement, not 100,000 round trips; addresses that
// opted out of campaign email are written as skipped, with that reason.
import type { FieldIssue } from "@backline/config";
import { Prisma, type PrismaClient } from "@backline/db";
import { REGION_CODES } from "@backline/reports";
import { parse } from "csv-parse/sync";
import { z } from "zod";

/** Up to this many ids in a JSON audience, or rows in a CSV. */
export const MAX_LISTED_RECIPIENTS = 200_000;

export const audienceSchema = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({ kind: z.literal("all-customers") }),
    z.strictObject({ kind: z.literal("region"), region: z.enum(REGION_CODES, { error: `Must be one of: ${REGION_CODES.join(", ")}` }) }),
    z.strictObject({
      kind: z.literal("customers"),
      ids: z
        .array(z.number().int().positive().max(2_147_483_647), { error: "A list of customer ids" })
        .min(1, { error: "At least one customer id" })
        .max(MAX_LISTED_RECIPIENTS),
    }),
  ],
  { error: 'Must be {kind: "all-customers"}, {kind: "region", region} or {kind: "customers", ids: [...]}' },
);

export type Audience = z.infer<typeof audienceSchema>;

/** What a campaign row keeps of its audience: a CSV is kept as the ids it named, with the rows it refused. */
export type StoredAudience = Audience | { kind: "csv"; fileName: string; rows: number; rejected: { line: number; message: string }[] };

export interface CsvRecipients {
  ids: number[];
  /** Rows that name nobody, with their line numbers. */
  rejected: { line: number; message: string }[];
}

/**
 * A CSV with one customer per row: a customer id or an email address in its
 * first column (a header row naming the column is allowed). Lines that name
 * no known customer are listed with their line number.
 */
export async function readRecipientCsv(db: PrismaClient, text: string): Promise<CsvRecipients> {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true, trim: true, bom: true }) as unknown as typeof rows;
  } catch (err) {
    return { ids: [], rejected: [{ line: (err as { lines?: number }).lines ?? 1, message: `Not readable as CSV: ${(err as Error).message}` }] };
  }
  const rejected: CsvRecipients["rejected"] = [];
  const byId = new Map<number, number>();
  const byEmail = new Map<string, number>();
  for (const [index, { record, info }] of rows.entries()) {
    const value = record[0] ?? "";
    if (index === 0 && /^(customer[ _-]?id|id|e-?mail|email address)$/i.test(value)) continue;
    if (/^\d{1,10}$/.test(value) && Number(value) > 0 && Number(value) <= 2_147_483_647) byId.set(Number(value), info.lines);
    else if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) byEmail.set(value.toLowerCase(), info.lines);
    else rejected.push({ line: info.lines, message: value ? `"${value.slice(0, 60)}" is neither a customer id nor an email address` : "Empty first column" });
    if (byId.size + byEmail.size + rejected.length > MAX_LISTED_RECIPIENTS) {
      return { ids: [], rejected: [{ line: info.lines, message: `More than ${MAX_LISTED_RECIPIENTS.toLocaleString("en")} rows` }] };
    }
  }
  const [knownIds, knownEmails] = await Promise.all([
    byId.size ? db.$queryRaw<{ id: number }[]>`select id from customers where id = any(${[...byId.keys()]}::int[])` : [],
    byEmail.size
      ? db.$queryRaw<{ id: number; email: string }[]>`select id, lower(email) as email from customers where lower(email) = any(${[...byEmail.keys()]}::text[])`
      : [],
  ]);
  const found = new Set(knownIds.map((r) => r.id));
  for (const [id, line] of byId) if (!found.has(id)) rejected.push({ line, message: `No customer has id ${id}` });
  const emails = new Map(knownEmails.map((r) => [r.email, r.id]));
  for (const [email, line] of byEmail) if (!emails.has(email)) rejected.push({ line, message: `No customer has the address ${email}` });
  rejected.sort((a, b) => a.line - b.line);
  return { ids: [...new Set([...found, ...emails.values()])], rejected };
}

/** CSV refusals as API issues: `file:line 7`. */
export const csvIssues = (rejected: CsvRecipients["rejected"]): FieldIssue[] =>
  rejected.slice(0, 100).map((r) => ({ path: `file:line ${r.line}`, message: r.message }));

/** The customers an audience means, as SQL over `customers c`. */
export function audienceFilter(audience: Audience | { kind: "ids"; ids: number[] }): Prisma.Sql {
  switch (audience.kind) {
    case "all-customers":
      return Prisma.sql`true`;
    case "region":
      return Prisma.sql`c.region_id = (select id from regions where code = ${audience.region})`;
    case "customers":
    case "ids":
      return Prisma.sql`c.id = any(${audience.ids}::int[])`;
  }
}

/** Writes the campaign's recipients in one statement; returns how many. */
export async function insertRecipients(
  db: PrismaClient | Prisma.TransactionClient,
  campaignId: string,
  audience: Audience | { kind: "ids"; ids: number[] },
): Promise<number> {
  return db.$executeRaw`
    insert into campaign_recipients (campaign_id, customer_id, email, status, failure_reason)
    select ${campaignId}::uuid, c.id, lower(c.email),
           (case when o.email is null then 'pending' else 'skipped' end)::"RecipientStatus",
           case when o.email is null then null else 'Opted out of campaign email' end
    from customers c left join email_opt_outs o on o.email = lower(c.email)
    where ${audienceFilter(audience)}
    order by c.id
    on conflict (campaign_id, customer_id) do nothing`;
}
