// Turns any error into plain words for a person and decides whether a retry
// could help. SMTP 5xx and bad data are permanent; network trouble is not.
// `reason` is what the report's owner sees (failure_reason, the timeline): a
// fixed phrase per kind of failure, never the driver's or the mail server's
// own text, which names hosts, ports, addresses and SQL. That raw text is
// `detail`, for the log only. Our own words (bad parameters, missing data)
// pass through: they are written for the person who asked.
import { createHash } from "node:crypto";
import { ReportDataError } from "@backline/reports";
import { UnrecoverableError } from "bullmq";

export interface Failure {
  /** Safe to show: a fixed phrase (or our own words for bad input). */
  reason: string;
  permanent: boolean;
  /** A service that was unreachable or busy: worth every attempt, even if each fails alike. */
  outage?: boolean;
  /** The raw error text (driver, SMTP reply, stack's first line): for the log, never for a page. */
  detail?: string;
}

/** The phrases a person may see, one per kind of failure. */
export const FAILURE_PHRASES = {
  mailRejected: "The mail server rejected the message.",
  mailBusy: "The mail server asked us to try again later.",
  mailUnreachable: "Could not reach the mail server.",
  databaseLost: "Lost the connection to the database.",
  serviceUnreachable: "Could not reach a service the report needs.",
  unexpected: "Something went wrong while making the report.",
} as const;

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
  // Ours: written by our code for the person (WaitAndRetry, bad params, missing data, an invalid job).
  if (err instanceof WaitAndRetry) return { reason: err.message, permanent: false, outage: true };
  if (err instanceof ReportDataError || err instanceof UnrecoverableError) {
    return { reason: firstLine(err.message), permanent: true };
  }
  const e = err as { message?: string; code?: string; responseCode?: number; response?: string; command?: string };
  if (typeof e.responseCode === "number") {
    const detail = `SMTP ${e.responseCode}: ${firstLine(e.response ?? e.message)}`;
    return e.responseCode >= 500
      ? { reason: FAILURE_PHRASES.mailRejected, permanent: true, detail }
      : { reason: FAILURE_PHRASES.mailBusy, permanent: false, outage: true, detail };
  }
  const detail = [e.code, firstLine(e.message) || String(err)].filter(Boolean).join(": ");
  if (e.code === "57P01" || DATABASE_GONE.test(e.message ?? "")) {
    return { reason: FAILURE_PHRASES.databaseLost, permanent: false, outage: true, detail };
  }
  if (e.code && NETWORK_CODES[e.code]) {
    // nodemailer sets `command` on its errors; anything else is Postgres or Redis.
    return { reason: e.command !== undefined ? FAILURE_PHRASES.mailUnreachable : FAILURE_PHRASES.serviceUnreachable, permanent: false, outage: true, detail };
  }
  // Unexpected: a reference (a hash of the raw text) tells the log line apart and
  // keeps two different failures from reading as "the same failure twice".
  return { reason: `${FAILURE_PHRASES.unexpected.slice(0, -1)} (reference ${errorReference(detail)}).`, permanent: false, detail };
}

/** A short, stable reference for an error's raw text: findable in the log, saying nothing about it. */
export const errorReference = (detail: string) => createHash("sha256").update(detail).digest("hex").slice(0, 8);

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
