// Reads the dev inbox (maildev's REST API) the way a person reads their mail.
import { inboxEmails, type InboxEmail } from "@backline/test-kit";
import { expect } from "@playwright/test";
import { e2eStack } from "./stack";

export const inbox = (): Promise<InboxEmail[]> => inboxEmails(e2eStack.inboxUrl);

/** The newest email to `to` that matches (by default, any). */
export async function waitForEmail(
  to: string,
  { match = () => true, timeoutMs = 60_000 }: { match?: (email: InboxEmail) => boolean; timeoutMs?: number } = {},
): Promise<InboxEmail> {
  let found: InboxEmail | undefined;
  await expect
    .poll(
      async () => {
        found = (await inbox()).filter((e) => e.to.some((t) => t.address === to) && match(e)).at(-1);
        return Boolean(found);
      },
      { timeout: timeoutMs, message: `email to ${to} in the dev inbox` },
    )
    .toBe(true);
  return found!;
}

export const reportEmail = (to: string, reportId: string, timeoutMs?: number) =>
  waitForEmail(to, { match: (e) => e.headers["x-report-id"] === reportId, timeoutMs });

/** The first link in an email's text that matches. */
export function linkIn(email: InboxEmail, pattern: RegExp): string {
  const link = email.text.match(/https?:\/\/\S+/g)?.find((url) => pattern.test(url));
  if (!link) throw new Error(`no link matching ${pattern} in "${email.subject}"`);
  return link;
}

export async function downloadAttachment(email: InboxEmail): Promise<Buffer> {
  const attachment = email.attachments?.[0];
  if (!attachment) throw new Error("email has no attachment");
  const name = attachment.generatedFileName ?? attachment.fileName!;
  const response = await fetch(`${e2eStack.inboxUrl}/api/email/${email.id}/attachment/${encodeURIComponent(name)}`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

/**
 * A header as sent, from the message's source: MailDev's parsed `headers` leave out the
 * ones its parser files elsewhere (List-*, From, Date…). Folded lines are unfolded.
 */
export async function sentHeader(email: InboxEmail, name: string): Promise<string | undefined> {
  const response = await fetch(`${e2eStack.inboxUrl}/api/email/${email.id}/source`);
  expect(response.status).toBe(200);
  const source = await response.text();
  const head = source.slice(0, source.search(/\r?\n\r?\n/)).replace(/\r?\n[ \t]+/g, " ");
  return head
    .split(/\r?\n/)
    .find((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    ?.slice(name.length + 1)
    .trim();
}
