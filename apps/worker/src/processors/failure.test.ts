import { ReportDataError } from "@backline/reports";
import { UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import { WaitAndRetry, describeFailure, sendSurelyFailed, withOutageRetries } from "./failure.ts";

describe("describeFailure", () => {
  it("treats an SMTP 5xx as permanent and quotes the server", () => {
    const err = Object.assign(new Error("Can't send mail"), { responseCode: 550, response: "550 5.1.1 <x@y>: Recipient address rejected" });
    expect(describeFailure(err)).toEqual({ permanent: true, reason: "The mail server rejected the message: 550 5.1.1 <x@y>: Recipient address rejected" });
  });

  it("treats an SMTP 4xx as transient", () => {
    const err = Object.assign(new Error("try later"), { responseCode: 421, response: "421 4.3.2 Service shutting down" });
    expect(describeFailure(err)).toMatchObject({ permanent: false, outage: true, reason: expect.stringMatching(/try later: 421/) });
  });

  it("names the mail server when nodemailer cannot connect, and retries", () => {
    const err = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1025"), { code: "ESOCKET", command: "CONN" });
    expect(describeFailure(err)).toEqual({ permanent: false, outage: true, reason: "Could not reach the mail server (connection failed): connect ECONNREFUSED 127.0.0.1:1025" });
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

  it("keeps only the first line of an unknown error", () => {
    expect(describeFailure(new Error("boom\n    at stack"))).toEqual({ permanent: false, reason: "boom" });
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
