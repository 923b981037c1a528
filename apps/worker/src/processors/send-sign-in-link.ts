// send-sign-in-link: email one magic link, then wipe it from the row. A link
// that expired while waiting (SMTP down, say) is dropped, not sent late; so is
// one this worker can't open (sealed under another AUTH_SECRET).
import { buildSignInEmail } from "@backline/mail";
import { sendSignInLinkJob } from "@backline/queue";
import { openSignInLink } from "@backline/report-service";
import { UnrecoverableError } from "bullmq";
import type { Processor } from "./context.ts";

export const processSendSignInLink: Processor<"send-sign-in-link"> = async (job, ctx) => {
  const payload = sendSignInLinkJob.payload.safeParse(job.data);
  if (!payload.success) throw new UnrecoverableError("Invalid send-sign-in-link payload");
  const { signInEmailId: id } = payload.data;
  const row = await ctx.db.signInEmail.findUnique({ where: { id } });
  if (!row?.sealedUrl || row.sentAt) return { skipped: "already sent" };
  const drop = async (why: string) => {
    await ctx.db.signInEmail.update({ where: { id }, data: { sealedUrl: null } });
    return { skipped: why };
  };
  if (row.expiresAt.getTime() <= Date.now()) return drop("expired");
  const url = openSignInLink(row.sealedUrl, row.email, ctx.env.AUTH_SECRET);
  if (!url) {
    ctx.log.warn({ signInEmailId: id }, "sign-in link dropped: it was sealed with another AUTH_SECRET than this worker's");
    return drop("unreadable");
  }
  // Sent before it is marked: a crash in between resends a sign-in link, which is harmless; losing one is not.
  await ctx.mail.sendMail(buildSignInEmail({ to: row.email, from: ctx.env.MAIL_FROM, url, expiresAt: row.expiresAt }));
  await ctx.db.signInEmail.update({ where: { id }, data: { sentAt: new Date(), sealedUrl: null } });
  ctx.log.info({ signInEmailId: id }, "sign-in link sent");
  return { sent: true };
};
