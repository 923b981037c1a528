// POST /api/tokens {name, scopes, expiresInDays?} → 201 {id, token, …}: the secret is in this answer only.
// GET /api/tokens → your tokens (no secrets): name, prefix, scopes, created, last used, expires. A signed-in session only.
import { refused, withActor } from "@/lib/server/api-frame";
import { createToken, listTokens } from "@/lib/server/api-tokens";
import { readJsonBody } from "@/lib/server/http";

export async function POST(request: Request) {
  return withActor(request, async (actor) => {
    const read = await readJsonBody(request);
    if (!read.ok) return read.response;
    const result = await createToken(read.body, actor);
    if (!result.ok) return refused(result);
    return Response.json(
      { ...result.view, token: result.token },
      { status: 201, headers: { Location: `/api/tokens/${result.view.id}`, "Cache-Control": "no-store" } },
    );
  });
}

export async function GET(request: Request) {
  return withActor(request, async (actor) => Response.json({ items: await listTokens(actor) }, { headers: { "Cache-Control": "no-store" } }));
}
