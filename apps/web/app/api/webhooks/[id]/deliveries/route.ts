// GET /api/webhooks/:id/deliveries → the latest 50 events sent (or being sent) to it, newest first, each with every
// attempt (when, the receiver's status code or why there was none, how long it took). Someone else's → 404.
import { withActor } from "@/lib/server/api-frame";
import { jsonError } from "@/lib/server/http";
import { webhookService } from "@/lib/server/webhooks";

export async function GET(request: Request, ctx: RouteContext<"/api/webhooks/[id]/deliveries">) {
  const { id } = await ctx.params;
  return withActor(request, async (actor) => {
    const items = await webhookService().deliveries(id, actor);
    return items ? Response.json({ items }, { headers: { "Cache-Control": "no-store" } }) : jsonError(404, "Webhook not found");
  });
}
