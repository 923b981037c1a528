// Notices to the people in charge, in the shared layout: one that tells a
// requester their report failed for good (the reason in plain words and a way
// to retry it), and the admins' digest of what needs a person. Each says why
// it was sent and where to act; nothing a person typed reaches a header.
import type { SendMailOptions } from "nodemailer";
import { FooterText, h, Layout, Paragraph, PrimaryButton, renderHtml, TextLink } from "./layout.ts";
import { randomMessageId } from "./report-email.ts";
import { headerText } from "./text.ts";

export interface NoticeSection {
  title: string;
  /** One line each, with an optional link to where it can be acted on. */
  items: { text: string; href?: string }[];
}

export interface NoticeEmailInput {
  to: string;
  from: string;
  subject: string;
  heading: string;
  /** The inbox preview line. */
  preheader: string;
  paragraphs: string[];
  sections?: NoticeSection[];
  action: { label: string; url: string };
  /** Why the recipient gets it (the footer). */
  why: string;
  /** Extra X- headers for the message (e.g. X-Report-Id). */
  headers?: Record<string, string>;
  date?: Date;
}

export function buildNoticeEmail(input: NoticeEmailInput): SendMailOptions {
  const sections = input.sections ?? [];
  const html = renderHtml(
    h(
      Layout,
      { lang: "en", title: headerText(input.subject), preheader: input.preheader, heading: input.heading, footer: h(FooterText, null, input.why) },
      ...input.paragraphs.map((p, i) => h(Paragraph, { key: `p${i}` }, p)),
      ...sections.flatMap((section, i) => [
        h(Paragraph, { key: `s${i}`, margin: "16px 0 4px" }, h("strong", null, section.title)),
        ...section.items.map((item, j) =>
          h(Paragraph, { key: `s${i}-${j}`, small: true, margin: "0 0 4px" }, item.href ? h(TextLink, { href: item.href }, item.text) : item.text),
        ),
      ]),
      h(PrimaryButton, { href: input.action.url }, input.action.label),
    ),
  );
  const text = [
    `${input.heading}.`,
    "",
    ...input.paragraphs.flatMap((p) => [p, ""]),
    ...sections.flatMap((s) => [s.title, ...s.items.map((i) => `- ${i.text}${i.href ? ` (${i.href})` : ""}`), ""]),
    `${input.action.label}: ${input.action.url}`,
    "",
    "-- ",
    input.why,
  ].join("\n");
  return {
    from: headerText(input.from),
    to: headerText(input.to),
    subject: headerText(input.subject),
    messageId: randomMessageId("notice", input.from),
    date: input.date ?? new Date(),
    headers: { ...input.headers, "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppression": "OOF, AutoReply" },
    text,
    html,
  };
}
