import { redactUrl } from "@backline/config";
import nodemailer from "nodemailer";

export type MailTransport = ReturnType<typeof createMailTransport>;

/** An SMTP transport from SMTP_URL (smtp://user:pass@host:port, smtps:// for TLS). */
export function createMailTransport(smtpUrl: string) {
  return nodemailer.createTransport({
    url: smtpUrl,
    // Fail within seconds when the SMTP server is gone, so the job can retry.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  });
}

/** Start-up check: one line naming SMTP_URL when the server doesn't answer. */
export async function checkSmtp(smtpUrl: string): Promise<string | null> {
  const transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 3000, greetingTimeout: 3000 });
  try {
    await transport.verify();
    return null;
  } catch (err) {
    return `Cannot reach the SMTP server at SMTP_URL=${redactUrl(smtpUrl)}: ${(err as Error).message}`;
  } finally {
    transport.close();
  }
}
