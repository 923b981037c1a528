// DELETE /api/webhooks/:id → 204: nothing more is sent to it. Someone else's → 404.
import { withActor } from "@/lib/server/api-frame";
import { jsonError, refuseBody } from "@/lib/server/http";
import { webhookService } from "@/lib/server/webhooks";

export async function DELETE(request: Request, ctx: RouteContext<"/api/webhooks/[id]">) {
  const { id } = await ctx.params;
  return withActor(request, async (actor) => {
    const body = await refuseBody(request);
    if (body) return body;
    return (await webhookService().remove(id, actor)) ? new Response(null, { status: 204 }) : jsonError(404, "Webhook not found");
  });
}
