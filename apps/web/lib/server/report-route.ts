// The shared frame of every /api/reports/:id route: a signed-in actor (401
// otherwise; a plain HTML form post is sent to sign in instead), an id that is
// a UUID and a report they may see (404 otherwise, whether it is missing or
// someone else's), infrastructure trouble → 503.
import "server-only";
import type { Report } from "@backline/db";
import { isReportId, type Actor, type CommandResult } from "@backline/report-service";
import { signInPath } from "@/lib/safe-path";
import { webEnv } from "./env";
import { jsonError, refuseBody } from "./http";
import { refused } from "./api-frame";
import { failureResponse } from "./failures";
import { spend, type LimitName } from "./rate-limits";
import { reportService } from "./reports";
import { apiActor } from "./session";

export const reportNotFound = () => jsonError(404, "Report not found");

/** A browser's own form submission (no script), answered with redirects rather than JSON. */
export const isFormPost = (request: Request) => /^application\/x-www-form-urlencoded|^multipart\/form-data/i.test(request.headers.get("content-type") ?? "");

/** The frame itself: who asks, a well-formed id, no body on a POST; then `handle`. */
export async function withReportRequest(request: Request, id: string, handle: (actor: Actor) => Promise<Response>): Promise<Response> {
  try {
    const who = await apiActor(request);
    if ("response" in who) {
      const back = isReportId(id) ? `/reports/${id}` : "/reports";
      return isFormPost(request) ? Response.redirect(new URL(signInPath(back), webEnv().APP_URL), 303) : who.response;
    }
    if (!isReportId(id)) return reportNotFound();
    const refused = request.method === "POST" ? await refuseBody(request) : null;
    if (refused) return refused;
    return await handle(who.actor);
  } catch (err) {
    return failureResponse(err, request);
  }
}

export function withVisibleReport(request: Request, id: string, handle: (report: Report, actor: Actor) => Promise<Response>): Promise<Response> {
  return withReportRequest(request, id, async (actor) => {
    const report = await reportService().find(id, actor);
    return report ? handle(report, actor) : reportNotFound();
  });
}

/** Download links are their owner's alone: an admin sees the report but gets the same 404 as anyone else here. */
export function withOwnedReport(request: Request, id: string, handle: (report: Report, actor: Actor) => Promise<Response>): Promise<Response> {
  return withVisibleReport(request, id, (report, actor) => (report.userId === actor.userId ? handle(report, actor) : Promise.resolve(reportNotFound())));
}

/**
 * POST /api/reports/:id/{cancel,retry}: the command itself looks the report up
 * as the actor, after spending `limits` (a retry costs what a new request does).
 */
export function runReportCommand(
  request: Request,
  id: string,
  command: (id: string, actor: Actor) => Promise<CommandResult>,
  limits?: (actor: Actor) => [LimitName, string][],
): Promise<Response> {
  return withReportRequest(request, id, async (actor) => {
    const limited = limits ? await spend(limits(actor)) : null;
    if (limited) return limited;
    const result = await command(id, actor);
    return result.ok ? Response.json(result.report) : refused(result);
  });
}
