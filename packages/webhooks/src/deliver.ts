// One delivery attempt: the body signed the Standard Webhooks way (webhook-id,
// webhook-timestamp, webhook-signature over "id.timestamp.body" with the
// receiver's secret), POSTed with a time limit, connecting only to an address
// the SSRF guard allowed. Never throws: the outcome is what gets recorded.
import http from "node:http";
import https from "node:https";
import { Webhook } from "standardwebhooks";
import { guardedLookup, literalAddressRefused } from "./address-guard.ts";

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** The three Standard Webhooks headers for this message id and body, signed now. */
export function signWebhook(secret: string, id: string, body: string, at = new Date()): SignedHeaders {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}

export interface AttemptOutcome {
  /** The receiver's status code, or null when it never answered. */
  statusCode: number | null;
  /** Why nothing usable came back (timeout, refused address, connection error); null when it answered. */
  error: string | null;
  durationMs: number;
}

export interface PostOptions {
  url: string;
  id: string;
  body: string;
  secret: string;
  timeoutMs: number;
  allowedHosts: readonly string[];
}

export function postWebhook(options: PostOptions): Promise<AttemptOutcome> {
  const started = performance.now();
  const done = (statusCode: number | null, error: string | null): AttemptOutcome => ({
    statusCode,
    error,
    durationMs: Math.round(performance.now() - started),
  });
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    return Promise.resolve(done(null, "Not a URL"));
  }
  const refused = literalAddressRefused(url, options.allowedHosts);
  if (refused) return Promise.resolve(done(null, refused));
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const request = client.request(
      url,
      {
        method: "POST",
        lookup: guardedLookup(options.allowedHosts),
        headers: {
          "content-type": "application/json",
          "user-agent": "Backline-Webhooks/1",
          "content-length": Buffer.byteLength(options.body),
          ...signWebhook(options.secret, options.id, options.body),
        },
      },
      (response) => {
        // The answer's body is not ours to keep; read a little so the socket can close, then stop.
        response.on("data", () => {});
        response.on("end", () => finish(done(response.statusCode ?? null, null)));
        response.on("error", () => finish(done(response.statusCode ?? null, null)));
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      finish(done(null, `No answer within ${options.timeoutMs / 1000} s`));
    }, options.timeoutMs);
    request.on("error", (err: NodeJS.ErrnoException) => finish(done(null, err.message.slice(0, 300))));
    request.end(options.body);
  });
}

/** 2xx: delivered. 408, 429 and 5xx (and no answer): worth another try. Any other 4xx (or 3xx): the receiver refuses it; give up. */
export function attemptVerdict(outcome: AttemptOutcome): "delivered" | "retry" | "give-up" {
  const code = outcome.statusCode;
  if (code === null) return outcome.error?.startsWith("Refused") ? "give-up" : "retry";
  if (code >= 200 && code < 300) return "delivered";
  if (code === 408 || code === 429 || code >= 500) return "retry";
  return "give-up";
}
