// Turns any error into plain words for a person and decides whether a retry
// could help. SMTP 5xx and bad data are permanent; network trouble is not.
import { ReportDataError } from "@backline/reports";
import { UnrecoverableError } from "bullmq";

export interface Failure {
  reason: string;
  permanent: boolean;
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

export function describeFailure(err: unknown): Failure {
  if (err instanceof ReportDataError || err instanceof UnrecoverableError) {
    return { reason: err.message, permanent: true };
  }
  const e = err as { message?: string; code?: string; responseCode?: number; response?: string; command?: string };
  if (typeof e.responseCode === "number") {
    const response = (e.response ?? e.message ?? "").trim().slice(0, 200);
    return e.responseCode >= 500
      ? { reason: `The mail server rejected the message: ${response}`, permanent: true }
      : { reason: `The mail server asked us to try later: ${response}`, permanent: false };
  }
  if (e.code && NETWORK_CODES[e.code]) {
    // nodemailer sets `command` on its errors; anything else is Postgres or Redis.
    const what = e.command !== undefined ? "the mail server" : "a service";
    return { reason: `Could not reach ${what} (${NETWORK_CODES[e.code]}): ${firstLine(e.message)}`, permanent: false };
  }
  return { reason: firstLine(e.message) || String(err), permanent: false };
}

function firstLine(message: string | undefined): string {
  return (message ?? "").split("\n")[0]!.slice(0, 300);
}
