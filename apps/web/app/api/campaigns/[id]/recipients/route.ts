// GET /api/campaigns/:id/recipients?status=failed&after=<id>&limit=50 — recipients with their outcomes (JSON);
// ?format=csv — every recipient's outcome as a CSV download, streamed.
import { toFieldIssues } from "@backline/config";
import { z } from "zod";
import { withAdmin } from "@/lib/server/api-frame";
import { campaignService } from "@/lib/server/campaigns";
import { jsonError } from "@/lib/server/http";

const query = z.strictObject({
  status: z.enum(["pending", "claimed", "sending", "sent", "failed", "skipped"]).optional(),
  after: z
    .string()
    .regex(/^\d{1,18}$/, "A recipient id")
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  format: z.enum(["json", "csv"]).optional(),
});

export async function GET(request: Request, ctx: RouteContext<"/api/campaigns/[id]/recipients">) {
  const { id } = await ctx.params;
  return withAdmin(request, async (actor) => {
    const q = query.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!q.success) return jsonError(400, "Invalid query", toFieldIssues(q.error.issues));
    if (q.data.format === "csv") {
      if (!(await campaignService().get(id, actor))) return jsonError(404, "Campaign not found");
      const rows = campaignService().exportCsv(id, actor);
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await rows.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        },
      });
      return new Response(body, {
        headers: {
          "Content-Type": "text/csv; charset=utf-8",
          "Content-Disposition": `attachment; filename="campaign-${id}-recipients.csv"`,
          "Cache-Control": "no-store",
        },
      });
    }
    const items = await campaignService().recipients(id, actor, {
      status: q.data.status,
      after: q.data.after ? BigInt(q.data.after) : undefined,
      limit: q.data.limit,
    });
    return items ? Response.json({ items }, { headers: { "Cache-Control": "no-store" } }) : jsonError(404, "Campaign not found");
  });
}
