// GET /api/schedules/:id — the schedule, its next runs (in its zone) and its last runs (occurrence, status, reportId).
// PATCH — any of its fields, or {paused: true|false}; resuming goes on from now. DELETE → 204 (its reports stay).
// Someone else's schedule is 404, as a missing one.
import { refused, withActor } from "@/lib/server/api-frame";
import { jsonError, readJsonBody, refuseBody } from "@/lib/server/http";
import { scheduleService } from "@/lib/server/schedules";

const notFound = () => jsonError(404, "Schedule not found");

export async function GET(request: Request, ctx: RouteContext<"/api/schedules/[id]">) {
  const { id } = await ctx.params;
  return withActor(request, async (actor) => {
    const schedule = await scheduleService().get(id, actor);
    return schedule ? Response.json(schedule, { headers: { "Cache-Control": "no-store" } }) : notFound();
  });
}

export async function PATCH(request: Request, ctx: RouteContext<"/api/schedules/[id]">) {
  const { id } = await ctx.params;
  return withActor(request, async (actor) => {
    const read = await readJsonBody(request);
    if (!read.ok) return read.response;
    const result = await scheduleService().update(id, read.body, actor);
    return result.ok ? Response.json(result.schedule, { headers: { "Cache-Control": "no-store" } }) : refused(result);
  });
}

export async function DELETE(request: Request, ctx: RouteContext<"/api/schedules/[id]">) {
  const { id } = await ctx.params;
  return withActor(request, async (actor) => {
    const body = await refuseBody(request);
    if (body) return body;
    return (await scheduleService().remove(id, actor)) ? new Response(null, { status: 204 }) : notFound();
  });
}
