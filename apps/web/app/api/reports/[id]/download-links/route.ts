// POST /api/reports/:id/download-links — a fresh signed download link, for the
// report's owner only (DOWNLOAD_LINK_TTL_HOURS), up to DOWNLOAD_LINKS_PER_USER_PER_HOUR. JSON clients get {url,
// expiresAt}; the expired-link page's form post is sent on to the file (303).
import { downloadLinkKeys, webEnv } from "@/lib/server/env";
import { spend } from "@/lib/server/rate-limits";
import { isFormPost, withOwnedReport } from "@/lib/server/report-route";
import { reportService } from "@/lib/server/reports";

export async function POST(request: Request, ctx: RouteContext<"/api/reports/[id]/download-links">) {
  // A link is its owner's: admins download through their session instead.
  return withOwnedReport(request, (await ctx.params).id, async (report, actor) => {
    const limited = await spend([["downloadLinksPerUser", actor.userId]]);
    if (limited) return limited;
    const env = webEnv();
    const link = await reportService().issueLink(report, {
      channel: "web",
      appUrl: env.APP_URL,
      ttlHours: env.DOWNLOAD_LINK_TTL_HOURS,
      keys: downloadLinkKeys(),
    });
    if (isFormPost(request)) return Response.redirect(link.url, 303);
    return Response.json({ url: link.url, expiresAt: link.expiresAt.toISOString() }, { status: 201, headers: { "Cache-Control": "no-store" } });
  });
}
