// POST /api/campaigns/:id/pause | resume | cancel | retry-failed → 200 with the campaign, or 409 saying why not.
import { CAMPAIGN_COMMANDS, type CampaignCommand } from "@backline/campaigns";
import { recordAdminAction } from "@/lib/server/admin-console";
import { refused, withAdmin } from "@/lib/server/api-frame";
import { campaignService } from "@/lib/server/campaigns";
import { jsonError, refuseBody } from "@/lib/server/http";

export async function POST(request: Request, ctx: RouteContext<"/api/campaigns/[id]/[command]">) {
  const { id, command } = await ctx.params;
  return withAdmin(request, async (actor) => {
    if (!Object.hasOwn(CAMPAIGN_COMMANDS, command)) return jsonError(404, "Not found");
    const body = await refuseBody(request);
    if (body) return body;
    const result = await campaignService().command(id, command as CampaignCommand, actor);
    await recordAdminAction(actor, `campaign.${command}`, id, result);
    return result.ok ? Response.json(result.campaign, { headers: { "Cache-Control": "no-store" } }) : refused(result);
  });
}
