// The shape every report type has. Adding a report type is one file under
// ./types/ that exports `defineReportType({...})`, plus one line in ./registry.ts.
import type { PrismaClient } from "@backline/db";
import type { z } from "zod";
import type { ReportFormat } from "./format.ts";
import type { PageGeometry } from "./pdf/theme.ts";
import type { DateRange, RelativeRangeKind } from "./relative-dates.ts";

/** How the web form should ask for one parameter (kept beside the schema it fills). */
export type FormField = {
  name: string;
  label: string;
  help?: string;
} & (
  | { kind: "date" }
  | { kind: "month" }
  /** An option whose value is "" sends nothing, leaving the parameter at its default. */
  | { kind: "select"; options: { value: string; label: string }[] }
  /** A customer picker; the web app fills the options from the database. */
  | { kind: "customer" }
);

export interface RenderProgress {
  /** 0–100 */
  percent: number;
  /** Plain words for a person, e.g. "Rendering page 12 of 80". */
  stage: string;
}

export interface RenderContext {
  reportId: string;
  generatedAt: Date;
  onProgress: (progress: RenderProgress) => void;
  /** Aborted when the report is cancelled; renderers check it between pages. */
  signal?: AbortSignal;
  /** The paper: size and the content box every page is planned in. */
  page: PageGeometry;
  /** Numbers, money and dates in the reader's locale. */
  format: ReportFormat;
  /**
   * Resolves when the PDF's destination has room for more (between pages): a slow
   * one — an upload — holds the render back instead of the drawn pages piling up in memory.
   */
  room?: () => Promise<void>;
}

/** A figure a reader wants at a glance, already formatted ("Revenue", "$2,756,730.38"). */
export interface Highlight {
  label: string;
  value: string;
}

/** What the report's email shows inline: what it covers and its headline figures, the most important first. */
export interface ReportHighlights {
  /** What the report covers, e.g. "October 2026 · All regions · by day". */
  subject: string;
  figures: Highlight[];
}

export interface ReportType<Id extends string = string, Schema extends z.ZodType = z.ZodType, Data = unknown> {
  /** kebab-case, stable: stored in rows and job payloads. */
  id: Id;
  title: string;
  description: string;
  /** Input: untrusted JSON (every field optional). Output: complete params with defaults filled in. */
  params: Schema;
  form: FormField[];
  /** Reads everything the PDF prints, with SQL aggregates. */
  query(db: PrismaClient, params: z.output<Schema>): Promise<Data>;
  /** Draws the PDF into a streaming document (no bufferPages). */
  render(doc: PDFKit.PDFDocument, data: Data, ctx: RenderContext): Promise<void>;
  /** One plain-text paragraph for the email body. */
  summarize(data: Data, format: ReportFormat): string;
  /** The email's headline figures. */
  highlights(data: Data, format: ReportFormat): ReportHighlights;
  /** Attachment file name, e.g. "sales-summary-2026-10-01-to-2026-10-31.pdf". */
  fileName(params: z.output<Schema>): string;
  /** Nothing to report (a schedule set to skip empty reports sends nothing then). */
  isEmpty(data: Data): boolean;
  /** Dates a schedule may make relative to each run ("previous week"): which ranges fit, and where a range is written. */
  relativeDates?: {
    ranges: readonly RelativeRangeKind[];
    /** The params a range replaces (forms hide them when dates are relative). */
    fields: readonly string[];
    apply(params: Record<string, unknown>, range: DateRange): Record<string, unknown>;
  };
  /** Made for one customer at a time, so a campaign can send it to each: the param that names the customer. */
  recipientParam?: string;
}

/** Identity helper that keeps the literal id and infers Schema/Data. */
export function defineReportType<Id extends string, Schema extends z.ZodType, Data>(type: ReportType<Id, Schema, Data>): ReportType<Id, Schema, Data> {
  return type;
}
