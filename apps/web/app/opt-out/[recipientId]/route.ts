// /opt-out/:recipientId?sig=… — the List-Unsubscribe link of a campaign email. The signature is the permission
// (no sign-in): GET shows a page whose button records the opt-out; POST records it — the button, or a mail
// client's one-click unsubscribe (RFC 8058, posted by the provider's servers: no Origin check here, see proxy.ts).
// Later campaigns skip the address.
import { escapeHtml } from "@backline/mail/text";
import { campaignOptOut } from "@/lib/server/campaigns";
import { downloadLinkKeys } from "@/lib/server/env";
import { failureResponse } from "@/lib/server/failures";
import { plainPage } from "@/lib/server/plain-page";

const invalid = () => plainPage(404, "This unsubscribe link is not valid", "The link may have been changed; use it exactly as it was emailed.");

export async function GET(request: Request, ctx: RouteContext<"/opt-out/[recipientId]">) {
  const { recipientId } = await ctx.params;
  try {
    const sig = new URL(request.url).searchParams.get("sig") ?? "";
    const email = await campaignOptOut().address(recipientId, sig, downloadLinkKeys());
    if (!email) return invalid();
    const action = `/opt-out/${encodeURIComponent(recipientId)}?sig=${encodeURIComponent(sig)}`;
    return plainPage(
      200,
      "Unsubscribe?",
      `${email} will get no more of these emails.`,
      `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
    );
  } catch (err) {
    return failureResponse(err);
  }
}

export async function POST(request: Request, ctx: RouteContext<"/opt-out/[recipientId]">) {
  const { recipientId } = await ctx.params;
  try {
    const sig = new URL(request.url).searchParams.get("sig") ?? "";
    const form = new URLSearchParams((await request.text()).slice(0, 1000));
    if (form.get("List-Unsubscribe") !== "One-Click") return plainPage(400, "Nothing was changed", "Use the button on the unsubscribe page.");
    const email = await campaignOptOut().record(recipientId, sig, downloadLinkKeys());
    return email ? plainPage(200, "Unsubscribed", `${email} will get no more of these emails.`) : invalid();
  } catch (err) {
    return failureResponse(err);
  }
}
