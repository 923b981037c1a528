// Reads the dev inbox (maildev's REST API) the way a person reads their mail.
import { expect } from "@playwright/test";
import { e2eStack } from "./stack";

export interface InboxEmail {
  id: string;
  subject: string;
  to: { address: string }[];
  headers: Record<string, string>;
  attachments?: { fileName?: string; generatedFileName?: string; contentType: string }[];
}

export async function waitForEmail(to: string, timeoutMs = 60_000): Promise<InboxEmail> {
  let found: InboxEmail | undefined;
  await expect
    .poll(
      async () => {
        const emails = (await (await fetch(`${e2eStack.inboxUrl}/api/email`)).json()) as InboxEmail[];
        found = emails.find((e) => e.to.some((t) => t.address === to));
        return Boolean(found);
      },
      { timeout: timeoutMs, message: `email to ${to} in the dev inbox` },
    )
    .toBe(true);
  return found!;
}

export async function downloadAttachment(email: InboxEmail): Promise<Buffer> {
  const attachment = email.attachments?.[0];
  if (!attachment) throw new Error("email has no attachment");
  const name = attachment.generatedFileName ?? attachment.fileName!;
  const response = await fetch(`${e2eStack.inboxUrl}/api/email/${email.id}/attachment/${encodeURIComponent(name)}`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}
