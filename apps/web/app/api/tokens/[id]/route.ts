// DELETE /api/tokens/:id → 204: the token stops working at once, on every web process. Someone else's → 404.
import { withActor } from "@/lib/server/api-frame";
import { revokeToken } from "@/lib/server/api-tokens";
import { jsonError, refuseBody } from "@/lib/server/http";

export async function DELETE(request: Request, ctx: RouteContext<"/api/tokens/[id]">) {
  const { id } = await ctx.params;
  return withActor(request, async (actor) => {
    const body = await refuseBody(request);
    if (body) return body;
    return (await revokeToken(id, actor)) ? new Response(null, { status: 204 }) : jsonError(404, "Token not found");
  });
}
