// POST /api/reports/:id/download-links/revoke — every unexpired link to the
// report stops working (410), the emailed one included. Owner only.
import { webEnv } from "@/lib/server/env";
import { isFormPost, withOwnedReport } from "@/lib/server/report-route";
import { reportService } from "@/lib/server/reports";

export async function POST(request: Request, ctx: RouteContext<"/api/reports/[id]/download-links/revoke">) {
  return withOwnedReport(request, (await ctx.params).id, async (report) => {
    const revoked = await reportService().revokeLinks(report);
    if (isFormPost(request)) return Response.redirect(new URL(`/reports/${report.id}?revoked=${revoked}`, webEnv().APP_URL), 303);
    return Response.json({ revoked }, { headers: { "Cache-Control": "no-store" } });
  });
}
