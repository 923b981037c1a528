// The one logger configuration of every process (pino, JSON lines): web and
// worker log the same way, and what must never reach a log — addresses,
// secrets, tokens, cookies, signed links — is redacted by path whatever
// object a call site logs.
import { pino, type DestinationStream, type Logger } from "pino";

/** Paths pino replaces with "[Redacted]", at the top level and one object down (`{report: {ownerEmail}}`). */
export const REDACTED_PATHS = [
  "email",
  "to",
  "ownerEmail",
  "recipient",
  "token",
  "secret",
  "password",
  "authorization",
  "cookie",
  "url",
  "downloadUrl",
].flatMap((key) => [key, `*.${key}`]);

export function createLogger(name: string, destination?: DestinationStream): Logger {
  return pino({ name, redact: { paths: [...REDACTED_PATHS, "req.headers.cookie", "req.headers.authorization"], censor: "[Redacted]" } }, destination);
}

export type { Logger };
