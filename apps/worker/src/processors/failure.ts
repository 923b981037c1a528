// Turns any error into plain words for a person and decides whether a retry
// could help. SMTP 5xx and bad data are permanent; network trouble is not.
import { ReportDataError } from "@backline/reports";
import { UnrecoverableError } from "bullmq";

export interface Failure {
  reason: string;
  permanent: boolean;
  /** A service that was unreachable or busy: worth every attempt, even if each fails alike. */
  outage?: boolean;
}

/** A failure no retry can fix (bad params, unknown type). */
export class PermanentError extends UnrecoverableError {
  override name = "PermanentError";
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "timed out",
  ESOCKET: "connection failed",
  ECONNECTION: "connection failed",
  EDNS: "host not found",
};

/** Put the job back in line for later without spending an attempt. */
export class WaitAndRetry extends Error {
  override name = "WaitAndRetry";
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** Postgres went away under us (restart, failover, terminated backend). */
const DATABASE_GONE = /Connection terminated|not queryable|server closed the connection|terminating connection due to administrator command/i;

export function describeFailure(err: unknown): Failure {
  if (err instanceof WaitAndRetry) return { reason: err.message, permanent: false, outage: true };
  if (err instanceof ReportDataError || err instanceof UnrecoverableError) {
    return { reason: err.message, permanent: true };
  }
  const e = err as { message?: string; code?: string; responseCode?: number; response?: string; command?: string };
  if (typeof e.responseCode === "number") {
    const response = (e.response ?? e.message ?? "").trim().slice(0, 200);
    return e.responseCode >= 500
      ? { reason: `The mail server rejected the message: ${response}`, permanent: true }
      : { reason: `The mail server asked us to try later: ${response}`, permanent: false, outage: true };
  }
  if (e.code === "57P01" || DATABASE_GONE.test(e.message ?? "")) {
    return { reason: `Lost the database connection: ${firstLine(e.message)}`, permanent: false, outage: true };
  }
  if (e.code && NETWORK_CODES[e.code]) {
    // nodemailer sets `command` on its errors; anything else is Postgres or Redis.
    const what = e.command !== undefined ? "the mail server" : "a service";
    return { reason: `Could not reach ${what} (${NETWORK_CODES[e.code]}): ${firstLine(e.message)}`, permanent: false, outage: true };
  }
  return { reason: firstLine(e.message) || String(err), permanent: false };
}

function firstLine(message: string | undefined): string {
  return (message ?? "").split("\n")[0]!.slice(0, 300);
}

/**
 * After a failed send: is it certain the server did not take the message?
 * Yes when it answered with a code (it refused), or when we never got a
 * session (refused connection, unknown host, no greeting). Any other broken
 * connection may have happened after the message data: ambiguous.
 */
export function sendSurelyFailed(err: unknown): boolean {
  const e = err as { responseCode?: number; message?: string; code?: string };
  if (typeof e.responseCode === "number") return true;
  return /connect ECONNREFUSED|getaddrinfo|Greeting never received|ENOTFOUND/.test(e.message ?? "") || e.code === "EDNS";
}

/**
 * Runs a database write that must not be lost to a blip (a restart, a killed
 * connection): tries again on outages, 0.2 s, 0.4 s … 3.2 s apart. Used where
 * failing would cost more than waiting — recording that an email went out.
 */
export async function withOutageRetries<T>(write: () => Promise<T>, tries = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= tries || !describeFailure(err).outage) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}
