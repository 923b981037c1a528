// A report's type and parameters, parsed by the one function both sides call:
// the report service when a request comes in (web), and the worker when it
// starts a report (the row's JSON is untrusted again by then). renderReportToFile
// takes only what this returns, so nothing renders parameters that skipped it.
import { issuesLine, toFieldIssues, type FieldIssue } from "@backline/config";
import { getReportType, reportTypeIds, type AnyReportType } from "./registry.ts";

declare const parsed: unique symbol;

/** A registered type and its parameters after its schema (defaults filled in). */
export interface ParsedReport {
  readonly type: AnyReportType;
  readonly params: unknown;
  readonly [parsed]: true;
}

export type ParseReportResult = { ok: true; report: ParsedReport } | { ok: false; error: string; issues: FieldIssue[] };

/** Issues are named as the API names the fields: `type`, `params.<field>`. */
export function parseReport(typeId: string, params: unknown): ParseReportResult {
  const type = getReportType(typeId);
  if (!type)
    return {
      ok: false,
      error: "Invalid report request",
      issues: [{ path: "type", message: `Unknown report type; expected one of ${reportTypeIds.join(", ")}` }],
    };
  const result = type.params.safeParse(params ?? {});
  if (!result.success) return { ok: false, error: "Invalid report parameters", issues: toFieldIssues(result.error.issues, ["params"]) };
  return { ok: true, report: { type, params: result.data } as ParsedReport };
}

/** parseReport for inputs that must be valid (tests, tools, the bench): throws with the issues. */
export function parseReportOrThrow(typeId: string, params: unknown): ParsedReport {
  const result = parseReport(typeId, params);
  if (!result.ok) throw new TypeError(`Invalid ${typeId} report: ${issuesLine(result.issues)}`);
  return result.report;
}
