// The people in charge are told (the seeds: "decide whether the job should be
// retried … and the in-charge person notified"):
// - a report that fails for good emails its requester once — the reason in
//   plain words and a link to the status page with its Retry button — not once
//   per attempt (a retried report that fails again is a new failure);
// - admins get a digest of what needs a person — permanent failures by reason,
//   campaigns and schedules that paused themselves, stuck reports — at most once
//   per ADMIN_DIGEST_MINUTES, and only when there is something new.
// Each notice is a row in `notifications` under a unique key, written before the
// email goes out: at most one, whichever worker gets there first.
import { buildNoticeEmail, type MailTransport } from "@backline/mail";
import type { PrismaClient, Report } from "@backline/db";
import type { Logger } from "pino";

/** Takes the notice's key; false when another worker (or an earlier run) already did. */
async function claimNotification(db: PrismaClient, key: string, at = new Date()): Promise<boolean> {
  return (await db.$executeRaw`insert into notifications (key, sent_at) values (${key}, ${at}) on conflict (key) do nothing`) === 1;
}

interface NoticeContext {
  db: PrismaClient;
  mail: MailTransport;
  log: Logger;
  env: { MAIL_FROM: string; APP_URL: string };
}

/** Emails the requester of a report that just failed for good, once per failure. */
export async function notifyReportFailed(report: Report, ctx: NoticeContext): Promise<void> {
  if (!(await claimNotification(ctx.db, `report-failed:${report.id}:${report.attempts}`))) return;
  const statusUrl = new URL(`/reports/${report.id}`, ctx.env.APP_URL).toString();
  const appHost = new URL(ctx.env.APP_URL).host;
  try {
    await ctx.mail.sendMail(
      buildNoticeEmail({
        to: report.ownerEmail,
        from: ctx.env.MAIL_FROM,
        subject: "Your report could not be made",
        heading: "Your report could not be made",
        preheader: report.failureReason ?? "It failed; you can try it again.",
        paragraphs: [
          `Backline tried ${report.attempts === 1 ? "once" : `${report.attempts} times`} and gave up: ${report.failureReason ?? "no reason was recorded"}`,
          "Its status page has the whole story and a Retry button. Nothing was emailed for it.",
        ],
        action: { label: "Open the report and retry", url: statusUrl },
        why: `You get this email because you asked Backline (${appHost}) for this report. Report ID ${report.id}.`,
        // Not X-Report-Id: that header marks the report's own email (the chaos suite and the sinks count it).
        headers: { "X-Failed-Report-Id": report.id },
      }),
    );
    ctx.log.info({ reportId: report.id }, "failure notice sent to the requester");
  } catch (err) {
    // A notice is a courtesy: the report's page says the same. Not worth retrying the report's job for.
    ctx.log.warn({ reportId: report.id, err: (err as Error).message }, "failure notice not sent");
  }
}

export interface DigestOptions extends NoticeContext {
  admins: string[];
  intervalMs: number;
  /** Reports not final for this long are "stuck" (their job lost or wedged). */
  stuckAfterMs?: number;
  now?: () => Date;
}

interface DigestContent {
  failures: { reason: string; n: number; latest: string }[];
  campaigns: { id: string; reason: string }[];
  schedules: { id: string; reason: string }[];
  stuck: { id: string; status: string }[];
}

/** What needs a person since `since`. */
async function digestContent(db: PrismaClient, since: Date, stuckBefore: Date): Promise<DigestContent> {
  const [failures, campaigns, schedules, stuck] = await Promise.all([
    db.$queryRaw<{ reason: string; n: number; latest: string }[]>`
      select coalesce(failure_reason, 'No reason recorded') as reason, count(*)::int as n, (array_agg(id::text order by finished_at desc))[1] as latest
      from reports where status = 'failed' and finished_at > ${since} group by 1 order by n desc limit 20`,
    db.$queryRaw<{ id: string; reason: string }[]>`
      select id::text, paused_reason as reason from campaigns where status = 'paused' and paused_reason like 'Paused itself%' and updated_at > ${since}`,
    db.$queryRaw<{ id: string; reason: string }[]>`
      select id::text, paused_reason as reason from schedules where paused and paused_reason is not null and updated_at > ${since}
        and paused_reason not like 'Paused from the unsubscribe link%'`,
    db.$queryRaw<{ id: string; status: string }[]>`
      select id::text, status::text from reports where status in ('queued', 'generating', 'emailing') and updated_at < ${stuckBefore} order by updated_at limit 20`,
  ]);
  return { failures, campaigns, schedules, stuck };
}

/** One pass: sends the digest for this period if there is something to say and no worker has sent it yet. */
export async function sendAdminDigest(options: DigestOptions): Promise<boolean> {
  const { db, env } = options;
  const now = options.now?.() ?? new Date();
  if (options.admins.length === 0 || options.intervalMs <= 0) return false;
  const period = Math.floor(now.getTime() / options.intervalMs);
  const [last] = await db.$queryRaw<{ at: Date | null }[]>`select max(sent_at) as at from notifications where key like 'admin-digest:%'`;
  const since = last?.at ?? new Date(now.getTime() - options.intervalMs);
  const content = await digestContent(db, since, new Date(now.getTime() - (options.stuckAfterMs ?? 30 * 60_000)));
  const count = content.failures.length + content.campaigns.length + content.schedules.length + content.stuck.length;
  if (count === 0) return false;
  if (!(await claimNotification(db, `admin-digest:${period}`, now))) return false;
  const url = (path: string) => new URL(path, env.APP_URL).toString();
  const sections = [
    {
      title: "Reports that failed for good, by reason",
      items: content.failures.map((f) => ({ text: `${f.n} × ${f.reason}`, href: url(`/reports/${f.latest}`) })),
    },
    { title: "Campaigns that paused themselves", items: content.campaigns.map((c) => ({ text: c.reason, href: url(`/campaigns/${c.id}`) })) },
    { title: "Schedules that paused themselves", items: content.schedules.map((s) => ({ text: s.reason, href: url(`/schedules/${s.id}`) })) },
    {
      title: "Stuck reports (not finished for half an hour)",
      items: content.stuck.map((r) => ({ text: `${r.id} (${r.status})`, href: url(`/reports/${r.id}`) })),
    },
  ].filter((s) => s.items.length > 0);
  for (const admin of options.admins) {
    await options.mail.sendMail(
      buildNoticeEmail({
        to: admin,
        from: env.MAIL_FROM,
        subject: `Backline: ${count} thing${count === 1 ? "" : "s"} need${count === 1 ? "s" : ""} a person`,
        heading: "What needs a person",
        preheader: sections.map((s) => s.title).join(" · "),
        paragraphs: [`Since ${since.toISOString().slice(0, 16).replace("T", " ")} UTC:`],
        sections,
        action: { label: "Open the admin console", url: url("/admin") },
        why: `You get this digest because your address is in ADMIN_EMAILS of Backline at ${new URL(env.APP_URL).host}; at most one every ${Math.round(options.intervalMs / 60_000)} minutes (ADMIN_DIGEST_MINUTES, 0 turns it off).`,
      }),
    );
  }
  options.log.info({ items: count, admins: options.admins.length }, "admin digest sent");
  return true;
}

/** Every worker checks once a minute (or each interval, if shorter); the period's key lets one of them send. */
export function startAdminDigest(options: DigestOptions) {
  if (options.admins.length === 0 || options.intervalMs <= 0) return { stop() {} };
  let running = false;
  const timer = setInterval(
    () => {
      if (running) return;
      running = true;
      sendAdminDigest(options)
        .catch((err: Error) => options.log.warn({ err: err.message }, "admin digest failed; will retry"))
        .finally(() => (running = false));
    },
    Math.min(60_000, options.intervalMs),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
