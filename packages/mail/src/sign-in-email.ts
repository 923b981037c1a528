// The magic-link email. The recipient and link come from Better Auth (the
// address was validated as an email); nothing else a person typed is in it.
// Same layout as the report email.
import type { SendMailOptions } from "nodemailer";
import { FooterText, h, Layout, Paragraph, PrimaryButton, renderHtml, TextLink } from "./layout.ts";
import { randomMessageId } from "./report-email.ts";
import { headerText } from "./text.ts";

export interface SignInEmailInput {
  to: string;
  from: string;
  url: string;
  expiresAt: Date;
  /** The Date header (default now). */
  date?: Date;
}

export function buildSignInEmail(input: SignInEmailInput): SendMailOptions {
  const minutes = Math.max(1, Math.round((input.expiresAt.getTime() - Date.now()) / 60_000));
  const host = new URL(input.url).host;
  const validity = `It works once, for the next ${minutes} minutes.`;
  const ignore = "If you didn't ask for it, ignore this email: nobody can sign in without it.";
  const html = renderHtml(
    h(
      Layout,
      {
        lang: "en",
        title: "Sign in to Backline",
        preheader: `Your sign-in link for ${host}. ${validity}`,
        heading: "Sign in to Backline",
        footer: h(FooterText, null, `You get this email because someone asked ${host} for a sign-in link for this address. ${ignore}`),
      },
      h(Paragraph, null, `Press the button to sign in to Backline at ${host}. ${validity}`),
      h(PrimaryButton, { href: input.url }, "Sign in"),
      h(Paragraph, { muted: true, small: true, margin: "0" }, "If the button doesn't work, open this link: ", h(TextLink, { href: input.url }, input.url)),
    ),
  );
  const text = [
    "Sign in to Backline with this link:",
    "",
    input.url,
    "",
    validity,
    "",
    "-- ",
    `You get this email because someone asked ${host} for a sign-in link for this address. ${ignore}`,
  ].join("\n");
  return {
    from: headerText(input.from),
    to: headerText(input.to),
    subject: "Your Backline sign-in link",
    messageId: randomMessageId("sign-in", input.from),
    date: input.date ?? new Date(),
    headers: { "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppression": "OOF, AutoReply" },
    text,
    html,
  };
}
