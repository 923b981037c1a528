// Public API of @backline/reports. The PDF toolkit is exported separately as "@backline/reports/pdf".
export type { FormField, Highlight, RenderContext, RenderProgress, ReportHighlights, ReportType } from "./define.ts";
export { defineReportType } from "./define.ts";
export { EmptyReportError, ReportDataError } from "./errors.ts";
export {
  getReportType,
  isReportTypeId,
  reportTypeIds,
  reportTypes,
  type AnyReportType,
  type ReportParams,
  type ReportTypeId,
} from "./registry.ts";
export { parseReport, parseReportOrThrow, type ParsedReport, type ParseReportResult } from "./parse-report.ts";
export { renderReport, renderReportToFile, type PdfOutput, type RenderReportOptions, type RenderReportResult } from "./render-to-file.ts";
export { DEFAULT_RENDER_OPTIONS, parseRenderOptions, renderOptionsSchema, type RenderOptions } from "./render-options.ts";
export { canonicalLocale, createFormat, type ReportFormat } from "./format.ts";
export { PAPER_SIZES, type PaperSize } from "./pdf/theme.ts";
export {
  MAX_RANGE_DAYS,
  REGION_CODES,
  salesSummary,
  salesSummaryParams,
  type RegionCode,
  type SalesSummaryData,
  type SalesSummaryParams,
} from "./types/sales-summary.ts";
export {
  customerStatement,
  customerStatementParams,
  type CustomerStatementData,
  type CustomerStatementParams,
} from "./types/customer-statement.ts";
export { RANGE_LABELS, RELATIVE_RANGES, relativeSchema, resolveRange, type DateRange, type Relative, type RelativeRangeKind } from "./relative-dates.ts";
export { paramsForRun, recipientParams, recipientTypeIds, relativeFieldsOf, relativeRangesOf } from "./type-capabilities.ts";
