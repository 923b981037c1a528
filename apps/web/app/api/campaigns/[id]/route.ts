// GET /api/campaigns/:id — {id, type, params, status, total, counts: {pending, sending, sent, failed, skipped},
// startedAt, finishedAt, ratePerSecond, …} (admins only; 404 for anyone else).
import { withAdmin } from "@/lib/server/api-frame";
import { campaignService } from "@/lib/server/campaigns";
import { jsonError } from "@/lib/server/http";

export async function GET(request: Request, ctx: RouteContext<"/api/campaigns/[id]">) {
  const { id } = await ctx.params;
  return withAdmin(request, async (actor) => {
    const campaign = await campaignService().get(id, actor);
    return campaign ? Response.json(campaign, { headers: { "Cache-Control": "no-store" } }) : jsonError(404, "Campaign not found");
  });
}
