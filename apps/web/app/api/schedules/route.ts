// POST /api/schedules — a report emailed on a schedule: {type, params, cron, timeZone, skipIfEmpty?, missed?, relative?}
// → 201 with the schedule (id, nextRunAt, the next runs in its zone, …); 400 naming each bad field; 429 past MAX_SCHEDULES_PER_USER.
// GET /api/schedules — your schedules (an admin's: everyone's), newest first, each with its last runs.
import { withActor, refused } from "@/lib/server/api-frame";
import { readJsonBody } from "@/lib/server/http";
import { scheduleService } from "@/lib/server/schedules";

export async function POST(request: Request) {
  return withActor(request, async (actor) => {
    const read = await readJsonBody(request);
    if (!read.ok) return read.response;
    const result = await scheduleService().create(read.body, actor);
    if (!result.ok) return refused(result);
    return Response.json(result.schedule, { status: 201, headers: { Location: `/api/schedules/${result.schedule.id}`, "Cache-Control": "no-store" } });
  });
}

export async function GET(request: Request) {
  return withActor(request, async (actor) => Response.json({ items: await scheduleService().list(actor) }, { headers: { "Cache-Control": "no-store" } }));
}
