// The magic-link email. The recipient and link come from Better Auth (the
// address was validated as an email); nothing else a person typed is in it.
import type { SendMailOptions } from "nodemailer";
import { escapeHtml, headerText } from "./text.ts";

export interface SignInEmailInput {
  to: string;
  from: string;
  url: string;
  expiresAt: Date;
}

export function buildSignInEmail(input: SignInEmailInput): SendMailOptions {
  const minutes = Math.max(1, Math.round((input.expiresAt.getTime() - Date.now()) / 60_000));
  const text = [
    "Sign in to Backline with this link:",
    "",
    input.url,
    "",
    `It works once, for the next ${minutes} minutes. If you didn't ask for it, ignore this email: nobody can sign in without it.`,
    "",
    "— Backline",
  ].join("\n");
  const html = `<!doctype html><html lang="en"><body style="font-family:system-ui,sans-serif;color:#1f2937;line-height:1.5">
<p><a href="${escapeHtml(input.url)}" style="display:inline-block;padding:10px 16px;background:#2563eb;color:#fff;border-radius:6px;text-decoration:none">Sign in to Backline</a></p>
<p>The link works once, for the next ${minutes} minutes. If you didn't ask for it, ignore this email: nobody can sign in without it.</p>
<p style="color:#6b7280">— Backline</p></body></html>`;
  return { from: headerText(input.from), to: headerText(input.to), subject: "Your Backline sign-in link", text, html };
}
