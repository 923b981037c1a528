// POST /api/webhooks/:id/deliveries/:deliveryId/resend → 202: the same event (same webhook-id and body) is sent
// again with fresh retries; a receiver that was disabled for failing is turned back on. Someone else's → 404.
import { withActor } from "@/lib/server/api-frame";
import { jsonError, refuseBody } from "@/lib/server/http";
import { webhookService } from "@/lib/server/webhooks";

export async function POST(request: Request, ctx: RouteContext<"/api/webhooks/[id]/deliveries/[deliveryId]/resend">) {
  const { id, deliveryId } = await ctx.params;
  return withActor(request, async (actor) => {
    const body = await refuseBody(request);
    if (body) return body;
    return (await webhookService().resend(id, deliveryId, actor))
      ? Response.json({ resent: true }, { status: 202, headers: { "Cache-Control": "no-store" } })
      : jsonError(404, "Delivery not found");
  });
}
