// GET /api/settings → {paperSize, locale}: how your reports are printed. PATCH with either → the new settings
// (400 naming a bad field). A signed-in session only.
import { toFieldIssues } from "@backline/config";
import { settingsPatchSchema } from "@/lib/api/schemas";
import { withActor } from "@/lib/server/api-frame";
import { jsonError, readJsonBody } from "@/lib/server/http";
import { readSettings, updateSettings } from "@/lib/server/settings";

export async function GET(request: Request) {
  return withActor(request, async (actor) => Response.json(await readSettings(actor), { headers: { "Cache-Control": "no-store" } }));
}

export async function PATCH(request: Request) {
  return withActor(request, async (actor) => {
    const read = await readJsonBody(request);
    if (!read.ok) return read.response;
    const parsed = settingsPatchSchema.safeParse(read.body);
    if (!parsed.success) return jsonError(400, "Invalid settings", toFieldIssues(parsed.error.issues));
    return Response.json(await updateSettings(actor, parsed.data), { headers: { "Cache-Control": "no-store" } });
  });
}
