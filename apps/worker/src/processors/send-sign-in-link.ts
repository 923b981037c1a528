// send-sign-in-link: email one magic link, then wipe it from the row. A link
// that expired while waiting (SMTP down, say) is dropped, not sent late; so is
// one this worker can't open (sealed under another AUTH_SECRET).
import { buildSignInEmail } from "@backline/mail";
import { sendSignInLinkJob } from "@backline/queue";
import { markSignInEmailSent, takeSignInEmail } from "@backline/sign-in-outbox";
import { UnrecoverableError } from "bullmq";
import type { Processor } from "./context.ts";

export const processSendSignInLink: Processor<"send-sign-in-link"> = async (job, ctx) => {
  const payload = sendSignInLinkJob.payload.safeParse(job.data);
  if (!payload.success) throw new UnrecoverableError("Invalid send-sign-in-link payload");
  const { signInEmailId: id } = payload.data;
  const taken = await takeSignInEmail(ctx.db, id, ctx.env.AUTH_SECRET);
  if ("skipped" in taken) {
    if (taken.skipped === "unreadable") ctx.log.warn({ signInEmailId: id }, "sign-in link dropped: it was sealed with another AUTH_SECRET than this worker's");
    return taken;
  }
  const { email, url, expiresAt } = taken.send;
  // Sent before it is marked: a crash in between resends a sign-in link, which is harmless; losing one is not.
  await ctx.mail.sendMail(buildSignInEmail({ to: email, from: ctx.env.MAIL_FROM, url, expiresAt }));
  await markSignInEmailSent(ctx.db, id);
  ctx.log.info({ signInEmailId: id }, "sign-in link sent");
  return { sent: true };
};
