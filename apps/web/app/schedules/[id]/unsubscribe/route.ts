// /schedules/:id/unsubscribe?sig=… — the List-Unsubscribe link of a scheduled
// email. The signature is the permission (no sign-in): GET shows a page whose
// button pauses the schedule; POST pauses it — the page's button, or a mail
// client's one-click unsubscribe (RFC 8058: body `List-Unsubscribe=One-Click`,
// sent from the mail provider's servers, hence no Origin check for this path
// in proxy.ts). Only a POST changes anything, so link scanners can't.
import { escapeHtml } from "@backline/mail/text";
import { failureResponse } from "@/lib/server/failures";
import { plainPage } from "@/lib/server/plain-page";
import { scheduleService } from "@/lib/server/schedules";

const invalid = () => plainPage(404, "This unsubscribe link is not valid", "The schedule may have been deleted, or the link was changed.");

export async function GET(request: Request, ctx: RouteContext<"/schedules/[id]/unsubscribe">) {
  const { id } = await ctx.params;
  try {
    const sig = new URL(request.url).searchParams.get("sig") ?? "";
    const schedule = await scheduleService().describeForLink(id, sig);
    if (!schedule) return invalid();
    if (schedule.paused)
      return plainPage(200, "This schedule is paused", `"${schedule.title}" (${schedule.repeats}) sends nothing until its owner resumes it.`);
    const action = `/schedules/${encodeURIComponent(id)}/unsubscribe?sig=${encodeURIComponent(sig)}`;
    return plainPage(
      200,
      "Stop these emails?",
      `"${schedule.title}" is emailed ${schedule.repeats.replace(/^At/, "at")}. Pausing the schedule stops it; its owner can resume it from Backline.`,
      `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Pause this schedule</button></form>`,
    );
  } catch (err) {
    return failureResponse(err);
  }
}

export async function POST(request: Request, ctx: RouteContext<"/schedules/[id]/unsubscribe">) {
  const { id } = await ctx.params;
  try {
    const sig = new URL(request.url).searchParams.get("sig") ?? "";
    const form = new URLSearchParams((await request.text()).slice(0, 1000));
    if (form.get("List-Unsubscribe") !== "One-Click") {
      return plainPage(400, "Nothing was changed", "Use the button on the unsubscribe page, or your mail program's unsubscribe button.");
    }
    if ((await scheduleService().pauseFromLink(id, sig)) !== "paused") return invalid();
    return plainPage(200, "Schedule paused", "You won't get these emails until its owner resumes the schedule in Backline.");
  } catch (err) {
    return failureResponse(err);
  }
}
