// GET /reports/:id/download — the finished PDF.
// With ?user&expires&kid&sig (the emailed link): the signature is the
// permission, no session needed. Tampered → 403, expired or revoked → 410 with
// a way to get a fresh link. Without them: the signed-in owner (or an admin).
import { checkDownloadUrl, isReportId } from "@backline/report-service";
import { signInPath } from "@/lib/safe-path";
import { downloadLinkKeys, webEnv } from "@/lib/server/env";
import { linkProblemPage, servePdf } from "@/lib/server/downloads";
import { failureResponse } from "@/lib/server/failures";
import { reportService } from "@/lib/server/reports";
import { actorFrom } from "@/lib/server/session";

const SIGNED_FIELDS = ["user", "expires", "kid", "sig"];
const noPdf = () => linkProblemPage(404, null, "There is no PDF for this report, or it isn't yours.");

export async function GET(request: Request, ctx: RouteContext<"/reports/[id]/download">) {
  const { id } = await ctx.params;
  try {
    if (!isReportId(id)) return noPdf();
    const query = new URL(request.url).searchParams;
    if ([...query.keys()].some((k) => SIGNED_FIELDS.includes(k))) return await signedDownload(request, id, query);

    const actor = await actorFrom(request.headers);
    if (!actor) return Response.redirect(new URL(signInPath(`/reports/${id}`), webEnv().APP_URL), 303);
    const report = await reportService().find(id, actor);
    return (report && (await servePdf(report, request, { userId: actor.userId }))) ?? noPdf();
  } catch (err) {
    return failureResponse(err);
  }
}

async function signedDownload(request: Request, id: string, query: URLSearchParams): Promise<Response> {
  const check = checkDownloadUrl(id, query, downloadLinkKeys());
  if (!check.ok && check.reason === "tampered")
    return linkProblemPage(403, null, "This link was changed or is incomplete. Use the link exactly as it was emailed to you.");
  if (!check.ok) return linkProblemPage(410, id, "This link has expired. Links work for a limited time; you can get a fresh one.");
  const linked = await reportService().linkedReport(check.claims);
  if (!linked.ok && linked.reason === "revoked")
    return linkProblemPage(410, id, "This link was revoked by the report's owner. You can get a fresh one if it's yours.");
  return (linked.ok && (await servePdf(linked.report, request, { userId: check.claims.userId, linkId: linked.linkId }))) || noPdf();
}
