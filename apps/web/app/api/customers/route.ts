// GET /api/customers?q=… — customers a report form's picker suggests for what was typed (an id, or part of a
// name): at most 20, for any signed-in person (every report form asks for customers by name or id), and for
// a token with reports:read (a program filling in a report's customer).
import { toFieldIssues } from "@backline/config";
import { customerSearchQuery } from "@/lib/api/schemas";
import { withActor } from "@/lib/server/api-frame";
import { jsonError } from "@/lib/server/http";
import { reportService } from "@/lib/server/reports";

export async function GET(request: Request) {
  return withActor(request, async () => {
    const query = customerSearchQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) return jsonError(400, "Invalid query", toFieldIssues(query.error.issues));
    return Response.json({ items: await reportService().searchCustomers(query.data.q) }, { headers: { "Cache-Control": "no-store" } });
  });
}
