// GET /api/customers?q=… — customers a report form's picker suggests for what was typed (an id, or part of a
// name): at most 20, for any signed-in person (every report form asks for customers by name or id).
import { z } from "zod";
import { toFieldIssues } from "@backline/config";
import { withActor } from "@/lib/server/api-frame";
import { jsonError } from "@/lib/server/http";
import { reportService } from "@/lib/server/reports";

export const customerSearchQuery = z.strictObject({ q: z.string().max(100, { error: "At most 100 characters" }).default("") });

export async function GET(request: Request) {
  return withActor(request, async () => {
    const query = customerSearchQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) return jsonError(400, "Invalid query", toFieldIssues(query.error.issues));
    return Response.json({ items: await reportService().searchCustomers(query.data.q) }, { headers: { "Cache-Control": "no-store" } });
  });
}
