// POST /api/webhooks {url, events} → 201 {id, secret, …}: the signing secret is in this answer only. The URL must
// reach a public address (checked after DNS; WEBHOOK_ALLOWED_HOSTS excepted), and be https:// in production.
// GET /api/webhooks → your receivers. A signed-in session only.
import { refused, withActor } from "@/lib/server/api-frame";
import { readJsonBody } from "@/lib/server/http";
import { webhookService } from "@/lib/server/webhooks";

export async function POST(request: Request) {
  return withActor(request, async (actor) => {
    const read = await readJsonBody(request);
    if (!read.ok) return read.response;
    const result = await webhookService().create(read.body, actor);
    if (!result.ok) return refused(result);
    return Response.json(
      { ...result.endpoint, secret: result.secret },
      { status: 201, headers: { Location: `/api/webhooks/${result.endpoint.id}`, "Cache-Control": "no-store" } },
    );
  });
}

export async function GET(request: Request) {
  return withActor(request, async (actor) => Response.json({ items: await webhookService().list(actor) }, { headers: { "Cache-Control": "no-store" } }));
}
