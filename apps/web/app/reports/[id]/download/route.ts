// GET /reports/:id/download — streams the finished PDF from REPORTS_DIR.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { getReportType } from "@backline/reports";
import { db } from "@/lib/server/db";
import { webEnv } from "@/lib/server/env";
import { jsonError } from "@/lib/server/http";
import { isReportId } from "@/lib/server/report-view";

export async function GET(_request: Request, ctx: RouteContext<"/reports/[id]/download">) {
  const { id } = await ctx.params;
  if (!isReportId(id)) return jsonError(404, "Report not found");
  const report = await db().report.findUnique({ where: { id } });
  if (!report?.filePath || !(report.status === "emailing" || report.status === "sent")) return jsonError(404, "No PDF for this report yet");

  const file = path.resolve(webEnv().REPORTS_DIR, report.filePath);
  const size = await stat(file).then((s) => s.size, () => null);
  if (size === null) return jsonError(404, "The PDF file is missing");
  const type = getReportType(report.type);
  const params = type?.params.safeParse(report.params);
  const fileName = type && params?.success ? type.fileName(params.data) : `${report.type}.pdf`;

  return new Response(Readable.toWeb(createReadStream(file)) as ReadableStream, {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Length": String(size),
      "Content-Disposition": `attachment; filename="${fileName.replace(/[^\w.-]/g, "_")}"`,
      "Cache-Control": "no-store",
    },
  });
}
