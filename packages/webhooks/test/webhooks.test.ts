// Signing (checked with the standardwebhooks package's own verifier), replays
// and alterations refused, the SSRF guard's address classes, and a real POST to
// a local receiver that only WEBHOOK_ALLOWED_HOSTS lets through.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  attemptVerdict,
  isPublicAddress,
  newWebhookSecret,
  openWebhookSecret,
  postWebhook,
  receiverProblem,
  sealWebhookSecret,
  signWebhook,
} from "../src/index.ts";

const secret = newWebhookSecret();
const body = JSON.stringify({ type: "report.sent", data: { report: { id: "r1", status: "sent" } } });

describe("signing", () => {
  it("signs so that the library's own verifier accepts it", () => {
    const headers = signWebhook(secret, "msg_1", body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it("refuses an altered body, an altered signature, another secret, and a replay older than five minutes", () => {
    const headers = signWebhook(secret, "msg_1", body);
    const verify =
      (b: string, h: Record<string, string>, s = secret) =>
      () =>
        new Webhook(s).verify(b, h);
    expect(verify(body.replace("sent", "failed"), { ...headers })).toThrow(WebhookVerificationError);
    const sig = headers["webhook-signature"];
    const flipped = `${sig.slice(0, -3)}${sig.at(-3) === "A" ? "B" : "A"}${sig.slice(-2)}`;
    expect(verify(body, { ...headers, "webhook-signature": flipped })).toThrow(WebhookVerificationError);
    expect(verify(body, { ...headers, "webhook-id": "msg_2" })).toThrow(WebhookVerificationError);
    expect(verify(body, { ...headers }, newWebhookSecret())).toThrow(WebhookVerificationError);
    const old = signWebhook(secret, "msg_1", body, new Date(Date.now() - 6 * 60_000));
    expect(verify(body, { ...old })).toThrow(/too old/);
  });

  it("seals the secret bound to its endpoint", () => {
    const sealed = sealWebhookSecret(secret, "endpoint-1", "x".repeat(32));
    expect(sealed).not.toContain(secret.slice(6));
    expect(openWebhookSecret(sealed, "endpoint-1", "x".repeat(32))).toBe(secret);
    expect(openWebhookSecret(sealed, "endpoint-2", "x".repeat(32))).toBeNull();
  });
});

describe("the SSRF guard", () => {
  it("knows loopback, private, link-local, CGNAT, reserved and mapped addresses from public ones", () => {
    for (const a of [
      "127.0.0.1",
      "10.0.0.1",
      "172.16.5.5",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fe80::1",
      "fd00::1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:a9fe:a9fe",
      "224.0.0.1",
    ])
      expect(isPublicAddress(a), a).toBe(false);
    for (const a of ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) expect(isPublicAddress(a), a).toBe(true);
  });

  it("refuses internal receivers after resolving them, unless allowed; https only when asked", async () => {
    const policy = { allowedHosts: [], requireHttps: false };
    expect(await receiverProblem("http://127.0.0.1:8080/x", policy)).toMatch(/127\.0\.0\.1/);
    expect(await receiverProblem("http://localhost:8080/x", policy)).toMatch(/resolves to/);
    expect(await receiverProblem("http://[::1]/x", policy)).toMatch(/::1/);
    expect(await receiverProblem("http://[::ffff:127.0.0.1]/x", policy)).toMatch(/loopback/);
    expect(await receiverProblem("http://user:pw@1.1.1.1/x", policy)).toMatch(/password/);
    expect(await receiverProblem("http://1.1.1.1/x", policy)).toBeNull();
    expect(await receiverProblem("http://1.1.1.1/x", { allowedHosts: [], requireHttps: true })).toMatch(/https/);
    expect(await receiverProblem("http://127.0.0.1:8080/x", { allowedHosts: ["127.0.0.1"], requireHttps: false })).toBeNull();
  });
});

describe("a delivery", () => {
  let server: Server;
  let port: number;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let data = "";
      req.on("data", (c) => (data += c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: data });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const post = (host: string, allowedHosts: string[]) =>
    postWebhook({ url: `http://${host}:${port}/hook`, id: "msg_9", body, secret, timeoutMs: 5000, allowedHosts });

  it("connects only to an allowed internal host, and is signed when it does", async () => {
    const literal = await post("127.0.0.1", []);
    expect(literal).toMatchObject({ statusCode: null, error: expect.stringMatching(/^Refused/) });
    expect(attemptVerdict(literal)).toBe("give-up");
    const named = await post("localhost", []);
    expect(named).toMatchObject({ statusCode: null, error: expect.stringMatching(/^Refused/) });
    expect(received).toHaveLength(0);

    const allowed = await post("127.0.0.1", ["127.0.0.1"]);
    expect(allowed).toMatchObject({ statusCode: 204, error: null });
    expect(attemptVerdict(allowed)).toBe("delivered");
    expect(received).toHaveLength(1);
    const [got] = received;
    expect(new Webhook(secret).verify(got!.body, got!.headers as Record<string, string>)).toEqual(JSON.parse(body));
    expect(got!.headers["webhook-id"]).toBe("msg_9");
  });

  it("sorts answers: 2xx delivered, 408/429/5xx and silence retried, other 4xx given up", () => {
    const v = (statusCode: number | null, error: string | null = null) => attemptVerdict({ statusCode, error, durationMs: 1 });
    expect([v(200), v(299), v(500), v(503), v(408), v(429), v(null, "No answer within 10 s"), v(400), v(404), v(410), v(301)]).toEqual([
      "delivered",
      "delivered",
      "retry",
      "retry",
      "retry",
      "retry",
      "retry",
      "give-up",
      "give-up",
      "give-up",
      "give-up",
    ]);
  });
});
