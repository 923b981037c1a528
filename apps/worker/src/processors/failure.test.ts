import { ReportDataError } from "@backline/reports";
import { UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import { FAILURE_PHRASES, WaitAndRetry, describeFailure, errorReference, sendSurelyFailed, withOutageRetries } from "./failure.ts";

describe("describeFailure", () => {
  it("treats an SMTP 5xx as permanent; the server's reply goes to the log only", () => {
    const err = Object.assign(new Error("Can't send mail"), {
      responseCode: 550,
      response: "550 5.1.1 <x@y>: Recipient address rejected by mx1.internal.example:25",
    });
    expect(describeFailure(err)).toEqual({
      permanent: true,
      reason: "The mail server rejected the message.",
      detail: "SMTP 550: 550 5.1.1 <x@y>: Recipient address rejected by mx1.internal.example:25",
    });
  });

  it("treats an SMTP 4xx as transient", () => {
    const err = Object.assign(new Error("try later"), { responseCode: 421, response: "421 4.3.2 Service shutting down" });
    expect(describeFailure(err)).toMatchObject({
      permanent: false,
      outage: true,
      reason: FAILURE_PHRASES.mailBusy,
      detail: expect.stringMatching(/421 4\.3\.2/),
    });
  });

  it("names the mail server when nodemailer cannot connect, and retries; the address stays in the log", () => {
    const err = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1025"), { code: "ESOCKET", command: "CONN" });
    expect(describeFailure(err)).toEqual({
      permanent: false,
      outage: true,
      reason: "Could not reach the mail server.",
      detail: "ESOCKET: connect ECONNREFUSED 127.0.0.1:1025",
    });
  });

  it("never shows a driver's text (hosts, ports, SQL, addresses): one fixed phrase per kind", () => {
    const raw = [
      Object.assign(new Error("connect ECONNREFUSED 10.0.3.7:5432"), { code: "ECONNREFUSED" }),
      Object.assign(new Error("getaddrinfo ENOTFOUND redis.internal"), { code: "EDNS" }),
      new Error("Connection terminated unexpectedly (db-primary.internal:5432)"),
      Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
      new Error('relation "orders" does not exist: SELECT sum(total_cents) FROM orders WHERE region_id = $1'),
      new Error("Invalid `prisma.report.update()` invocation in /srv/app/packages/db/src/report-lifecycle.ts:170"),
      Object.assign(new Error("Can't send mail"), { responseCode: 554, response: "554 relay.corp.example [192.0.2.1]: denied" }),
      "a thrown string naming secret-host:6379",
    ];
    const phrases = Object.values(FAILURE_PHRASES) as string[];
    for (const err of raw) {
      const { reason, detail } = describeFailure(err);
      expect(reason).not.toMatch(/\d+\.\d+\.\d+|:\d{2,5}|internal|select|prisma|\/srv|relay|secret|orders/i);
      expect(phrases.some((p) => reason === p || reason.startsWith(p.slice(0, -1)))).toBe(true);
      expect(detail).toBeTruthy(); // the raw text is kept, for the log
    }
  });

  it("passes data errors through as permanent, in their own words", () => {
    expect(describeFailure(new ReportDataError("Customer 9 does not exist."))).toEqual({ permanent: true, reason: "Customer 9 does not exist." });
    expect(describeFailure(new UnrecoverableError("bad payload")).permanent).toBe(true);
  });

  it("tells a send that surely failed from an ambiguous one", () => {
    expect(sendSurelyFailed(Object.assign(new Error("rejected"), { responseCode: 550 }))).toBe(true);
    expect(sendSurelyFailed(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ESOCKET" }))).toBe(true);
    expect(sendSurelyFailed(Object.assign(new Error("Connection closed unexpectedly"), { code: "ECONNECTION" }))).toBe(false);
    expect(sendSurelyFailed(Object.assign(new Error("read ECONNRESET"), { code: "ESOCKET" }))).toBe(false);
  });

  it("treats a dropped database connection and a busy delivery as outages, not attempts", () => {
    expect(describeFailure(new Error("Connection terminated unexpectedly"))).toMatchObject({ outage: true, permanent: false });
    expect(describeFailure(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" })).outage).toBe(true);
    expect(describeFailure(new WaitAndRetry("Another worker may still be sending this email", 5000))).toEqual({
      reason: "Another worker may still be sending this email",
      permanent: false,
      outage: true,
    });
  });

  it("gives an unknown error a fixed phrase with a reference to its log line (first line only), distinct per error", () => {
    const boom = describeFailure(new Error("boom\n    at stack"));
    expect(boom).toEqual({ permanent: false, reason: `Something went wrong while making the report (reference ${errorReference("boom")}).`, detail: "boom" });
    // Two different failures don't read as "the same failure twice in a row" (which stops retries early).
    expect(describeFailure(new Error("bang")).reason).not.toBe(boom.reason);
    expect(describeFailure(new Error("boom")).reason).toBe(boom.reason);
  });
});

describe("withOutageRetries", () => {
  it("retries a write that fails with an outage until it succeeds", async () => {
    let calls = 0;
    const result = await withOutageRetries(async () => {
      calls += 1;
      if (calls < 3) throw new Error("Connection terminated unexpectedly");
      return "recorded";
    });
    expect(result).toBe("recorded");
    expect(calls).toBe(3);
  });

  it("does not retry other errors", async () => {
    let calls = 0;
    await expect(
      withOutageRetries(async () => {
        calls += 1;
        throw new Error("check constraint violated");
      }),
    ).rejects.toThrow("check constraint");
    expect(calls).toBe(1);
  });
});
