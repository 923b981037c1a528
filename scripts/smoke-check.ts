// `npm run up -- --check`: once everything is up, do what a newcomer does first — sign in
// through the dev inbox, generate a report, see it Sent and its email arrive — over HTTP,
// then let the caller stop the stack. Throws one line saying what did not happen.
import { randomUUID } from "node:crypto";
import { inboxEmails, type InboxEmail } from "@backline/test-kit/app-stack";
import { waitUntil } from "@backline/test-kit/wait";

interface ReportState {
  id: string;
  status: string;
  progress: number;
  failureReason: string | null;
  downloadUrl?: string;
}

export interface SmokeCheckOptions {
  /** Where the web app listens, e.g. http://127.0.0.1:3000. */
  appBase: string;
  /** APP_URL: its origin goes in the Origin header; links in emails start with it. */
  appUrl: string;
  /** The dev inbox's web address (MailDev). */
  inboxUrl: string;
  say: (line: string) => void;
}

const SIGN_IN_TIMEOUT_MS = 60_000;
const REPORT_TIMEOUT_MS = 180_000;

export async function smokeCheck({ appBase, appUrl, inboxUrl, say }: SmokeCheckOptions): Promise<{ email: string; reportId: string; seconds: number }> {
  const origin = new URL(appUrl).origin;
  const email = `check-${Date.now().toString(36)}@backline.localhost`;
  const started = Date.now();

  say(`Check: signing in as ${email} through the dev inbox`);
  const before = new Set((await inbox(inboxUrl)).map((e) => e.id));
  const signIn = await fetch(`${appBase}/api/auth/sign-in/magic-link`, {
    method: "POST",
    headers: { "content-type": "application/json", origin },
    body: JSON.stringify({ email, callbackURL: "/" }),
  });
  if (!signIn.ok) throw new Error(`asking for a sign-in link answered ${signIn.status}: ${(await signIn.text()).slice(0, 200)}`);
  const mail = await waitFor(SIGN_IN_TIMEOUT_MS, `the sign-in email to ${email} in the dev inbox (${inboxUrl})`, async () =>
    (await inbox(inboxUrl)).find((e) => !before.has(e.id) && e.to.some((t) => t.address === email)),
  );
  const link = mail.text.match(/https?:\/\/\S+\/sign-in\/confirm\?\S+/)?.[0];
  if (!link) throw new Error(`the sign-in email "${mail.subject}" has no sign-in link`);
  // The link names APP_URL; follow it where this process can reach the app. It opens a page
  // (a GET uses nothing up, so mail scanners can't spend the link) whose button POSTs the token.
  const local = new URL(link);
  const page = await fetch(`${appBase}${local.pathname}${local.search}`, { redirect: "manual" });
  const html = await page.text();
  if (page.status !== 200 || !html.includes('action="/sign-in/verify"'))
    throw new Error(`the sign-in link's page answered ${page.status} without its "Sign in as" button`);
  const form = new URLSearchParams();
  for (const field of ["token", "callbackURL", "errorCallbackURL"]) {
    const value = local.searchParams.get(field);
    if (value !== null) form.set(field, value);
  }
  const verify = await fetch(`${appBase}/sign-in/verify`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin },
    body: form.toString(),
    redirect: "manual",
  });
  const cookie = verify.headers
    .getSetCookie()
    .map((c) => c.split(";")[0] ?? "")
    .filter((c) => /session_token=/.test(c))
    .join("; ");
  if (!cookie) throw new Error(`pressing the sign-in link's button answered ${verify.status} without a session cookie`);

  say("Check: generating a sales summary");
  const created = await fetch(`${appBase}/api/reports`, {
    method: "POST",
    headers: { "content-type": "application/json", origin, cookie, "idempotency-key": randomUUID() },
    body: JSON.stringify({ type: "sales-summary" }),
  });
  if (created.status !== 202) throw new Error(`POST /api/reports answered ${created.status}: ${(await created.text()).slice(0, 200)}`);
  const { id } = (await created.json()) as { id: string };

  let shown = "";
  const report = await waitFor(REPORT_TIMEOUT_MS, `report ${id} to be sent`, async () => {
    const response = await fetch(`${appBase}/api/reports/${id}`, { headers: { cookie } });
    if (!response.ok) throw new Error(`GET /api/reports/${id} answered ${response.status}`);
    const state = (await response.json()) as ReportState;
    const line = `Check: report ${id} ${state.status}${state.status === "generating" ? ` ${state.progress}%` : ""}`;
    if (line !== shown) say((shown = line));
    if (state.status === "failed" || state.status === "cancelled")
      throw new Error(`report ${id} ended ${state.status}: ${state.failureReason ?? "no reason given"}`);
    return state.status === "sent" ? state : undefined;
  });

  const reportMail = await waitFor(SIGN_IN_TIMEOUT_MS, `the email of report ${id} in the dev inbox`, async () =>
    (await inbox(inboxUrl)).find((e) => e.headers["x-report-id"] === id && e.to.some((t) => t.address === email)),
  );
  if (!reportMail.attachments?.length && !/\/reports\/[^/\s]+\/download\?/.test(reportMail.text)) {
    throw new Error(`the email of report ${id} has neither the PDF attached nor a download link`);
  }
  if (!report.downloadUrl) throw new Error(`report ${id} is sent but has no downloadUrl`);
  const pdf = await fetch(`${appBase}${report.downloadUrl}`, { headers: { cookie } });
  const head = Buffer.from(await pdf.arrayBuffer())
    .subarray(0, 5)
    .toString("latin1");
  if (pdf.status !== 200 || head !== "%PDF-") throw new Error(`downloading report ${id} answered ${pdf.status} ${pdf.headers.get("content-type")}, not a PDF`);

  return { email, reportId: id, seconds: (Date.now() - started) / 1000 };
}

async function inbox(inboxUrl: string): Promise<InboxEmail[]> {
  try {
    return await inboxEmails(inboxUrl);
  } catch (error) {
    throw new Error(`the dev inbox at ${inboxUrl}/api/email did not answer (${(error as Error).message}); --check needs MailDev there`);
  }
}

/** Polls `probe` until it returns a value; a probe that throws ends the wait with its error. */
const waitFor = <T>(timeoutMs: number, what: string, probe: () => Promise<T | undefined>): Promise<T> => waitUntil(probe, { timeoutMs, intervalMs: 250, what });
