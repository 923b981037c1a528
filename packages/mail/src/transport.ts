import { readFileSync } from "node:fs";
import { mailDkimEnv, parseEnv, redactUrl } from "@backline/config";
import nodemailer from "nodemailer";

export type MailTransport = ReturnType<typeof createMailTransport>;

type DkimEnv = { MAIL_DKIM_DOMAIN?: string; MAIL_DKIM_SELECTOR?: string; MAIL_DKIM_PRIVATE_KEY?: string; MAIL_DKIM_PRIVATE_KEY_FILE?: string };

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/**
 * DKIM settings from MAIL_DKIM_DOMAIN, MAIL_DKIM_SELECTOR and MAIL_DKIM_PRIVATE_KEY
 * (or MAIL_DKIM_PRIVATE_KEY_FILE): undefined when none is set, an error naming
 * what is missing when only some are.
 */
export function dkimFromEnv(env: DkimEnv = parseEnv(mailDkimEnv)): DkimSettings | undefined {
  const { MAIL_DKIM_DOMAIN: domainName, MAIL_DKIM_SELECTOR: keySelector, MAIL_DKIM_PRIVATE_KEY: key, MAIL_DKIM_PRIVATE_KEY_FILE: keyFile } = env;
  if (!domainName && !keySelector && !key && !keyFile) return undefined;
  const missing = [!domainName && "MAIL_DKIM_DOMAIN", !keySelector && "MAIL_DKIM_SELECTOR", !key && !keyFile && "MAIL_DKIM_PRIVATE_KEY (or _FILE)"].filter(
    Boolean,
  );
  if (missing.length > 0 || !domainName || !keySelector) throw new Error(`DKIM signing needs ${missing.join(", ")} as well`);
  const privateKey = key ? key.replace(/\\n/g, "\n") : readFileSync(keyFile as string, "utf8");
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) throw new Error("MAIL_DKIM_PRIVATE_KEY is not a PEM private key");
  return { domainName, keySelector, privateKey };
}

/**
 * An SMTP transport from SMTP_URL (smtp://user:pass@host:port, smtps:// for TLS).
 * Signs every message with DKIM when the MAIL_DKIM_* settings say so (read from
 * the environment unless given; `null`: never).
 */
export function createMailTransport(smtpUrl: string, options: { dkim?: DkimSettings | null } = {}) {
  const dkim = options.dkim === undefined ? dkimFromEnv() : (options.dkim ?? undefined);
  return nodemailer.createTransport({
    url: smtpUrl,
    // Fail within seconds when the SMTP server is gone, so the job can retry.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
    ...(dkim ? { dkim } : {}),
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
