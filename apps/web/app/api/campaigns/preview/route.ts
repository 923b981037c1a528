// POST /api/campaigns/preview {type, params, audience} — before anything is sent: how many the audience reaches,
// and its first recipient's report made now and emailed to the admin (a normal report, with its status page),
// so they see exactly what each customer will get. Nothing goes to a customer.
import { checkCampaignReport, parseCampaignRequest } from "@backline/campaigns";
import { recipientParams } from "@backline/reports";
import { refused, withAdmin } from "@/lib/server/api-frame";
import { campaignService } from "@/lib/server/campaigns";
import { jsonError, readJsonBody } from "@/lib/server/http";
import { reportService } from "@/lib/server/reports";

export async function POST(request: Request) {
  return withAdmin(request, async (actor) => {
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const parsed = parseCampaignRequest(body.body);
    if (!parsed.ok) return jsonError(400, "Invalid campaign", parsed.issues);
    const { type, params = {}, audience } = parsed.input;
    const checked = checkCampaignReport(type, params);
    if (!checked.ok) return jsonError(400, "Invalid campaign", checked.issues);
    if (audience.kind === "csv") return jsonError(400, "Invalid campaign", [{ path: "audience", message: "Preview takes a JSON audience" }]);
    const { total, first } = await campaignService().previewAudience(audience);
    if (!first) return Response.json({ total, first: null, report: null }, { headers: { "Cache-Control": "no-store" } });
    const report = await reportService().request({ type, params: recipientParams(type, params, first.id) }, actor);
    if (!report.ok) return refused(report);
    return Response.json(
      { total, first, report: { id: report.report.id, statusUrl: `/reports/${report.report.id}` } },
      { headers: { "Cache-Control": "no-store" } },
    );
  });
}
