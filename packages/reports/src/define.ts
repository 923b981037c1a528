// The shape every report type has. Adding a report type is one file under
// ./types/ that exports `defineReportType({...})`, plus one line in ./registry.ts.
import type { PrismaClient } from "@backline/db";
import type { z } from "zod";

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
  summarize(data: Data): string;
  /** Attachment file name, e.g. "sales-summary-2026-10-01-to-2026-10-31.pdf". */
  fileName(params: z.output<Schema>): string;
}

/** Identity helper that keeps the literal id and infers Schema/Data. */
export function defineReportType<Id extends string, Schema extends z.ZodType, Data>(type: ReportType<Id, Schema, Data>): ReportType<Id, Schema, Data> {
  return type;
}
