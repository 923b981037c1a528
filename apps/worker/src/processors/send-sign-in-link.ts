// send-sign-in-link: email one magic link, then wipe it from the row. A link
// that expired while waiting (SMTP down, say) is dropped, not sent late.
import { buildSignInEmail } from "@backline/mail";
import { sendSignInLinkJob } from "@backline/queue";
import { UnrecoverableError } from "bullmq";
import type { Processor } from "./context.ts";

export const processSendSignInLink: Processor<"send-sign-in-link"> = async (job, ctx) => {
  const payload = sendSignInLinkJob.payload.safeParse(job.data);
  if (!payload.success) throw new UnrecoverableError("Invalid send-sign-in-link payload");
  const { signInEmailId: id } = payload.data;
  const row = await ctx.db.signInEmail.findUnique({ where: { id } });
  if (!row?.url || row.sentAt) return { skipped: "already sent" };
  if (row.expiresAt.getTime() <= Date.now()) {
    await ctx.db.signInEmail.update({ where: { id }, data: { url: null } });
    return { skipped: "expired" };
  }
  // Sent before it is marked: a crash in between resends a sign-in link, which is harmless; losing one is not.
  await ctx.mail.sendMail(buildSignInEmail({ to: row.email, from: ctx.env.MAIL_FROM, url: row.url, expiresAt: row.expiresAt }));
  await ctx.db.signInEmail.update({ where: { id }, data: { sentAt: new Date(), url: null } });
  ctx.log.info({ signInEmailId: id }, "sign-in link sent");
  return { sent: true };
};
