// POST /api/reports/:id/{cancel,retry}: same checks and answers for both.
import "server-only";
import type { CommandResult } from "@backline/report-service";
import { jsonError, unavailable } from "./http";
import { isReportId } from "./report-view";

export async function runReportCommand(id: string, command: (id: string) => Promise<CommandResult>): Promise<Response> {
  if (!isReportId(id)) return jsonError(404, "Report not found");
  try {
    const result = await command(id);
    return result.ok ? Response.json(result.report) : jsonError(result.status, result.error, result.issues);
  } catch (err) {
    return unavailable(err);
  }
}
