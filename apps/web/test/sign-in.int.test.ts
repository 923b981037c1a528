// Magic-link sign-in through the real Better Auth handlers on a real database
// and queue: the link becomes a row (sealed) and a job carrying only the row's
// id, the token is stored hashed, the link works once, and sign-out ends the session.
import { QUEUES, createProducerQueue } from "@backline/queue";
import { openSignInLink } from "@backline/report-service";
import { TEST_SECRETS, signedSessionCookie } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

let app: WebApp;
beforeAll(async () => {
  app = await startWebApp();
});
afterAll(() => app?.close());

const askForLink = (email: string, extra: Record<string, unknown> = {}) =>
  app.fetch("/api/auth/sign-in/magic-link", { method: "POST", headers: { origin: APP_URL }, json: { email, ...extra } });

describe("magic-link sign-in", () => {
  it("queues the email as a job holding only an id; the token is stored hashed; the link signs in once", async () => {
    const response = await askForLink("Dana@Example.com", { callbackURL: "/reports" });
    expect(response.status).toBe(200);
    const row = await app.db.signInEmail.findFirstOrThrow({ where: { email: "dana@example.com" } });
    const link = new URL(openSignInLink(row.sealedUrl!, row.email, TEST_SECRETS.AUTH_SECRET)!);
    expect(link.origin + link.pathname).toBe(`${APP_URL}/api/auth/magic-link/verify`);
    const token = link.searchParams.get("token")!;
    expect(row.sealedUrl).not.toContain(token); // the link waits for its email sealed

    const queue = createProducerQueue(QUEUES.reports, { redisUrl: process.env.REDIS_URL!, prefix: app.prefix });
    const job = await queue.getJob(row.id);
    expect(job?.name).toBe("send-sign-in-link");
    expect(job?.data).toEqual({ signInEmailId: row.id }); // no address, no link in Redis
    await queue.close();

    const verification = await app.db.verification.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    expect(verification.identifier).not.toContain(token);

    const opened = await app.fetch(link.pathname + link.search);
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe(`${APP_URL}/reports`);
    const cookie = opened.headers.getSetCookie().find((c) => c.startsWith("backline.session_token="))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const session = await app.db.session.findFirstOrThrow({ include: { user: true } });
    expect(session.user.email).toBe("dana@example.com");

    const again = await app.fetch(link.pathname + link.search);
    expect(again.headers.get("location")).toMatch(/error=INVALID_TOKEN/);
    expect(again.headers.getSetCookie().some((c) => c.startsWith("backline.session_token=") && !c.includes("Max-Age=0"))).toBe(false);
  });

  it("rejects bad addresses, unknown fields and off-site redirects with 400 naming the field, and writes nothing", async () => {
    const before = await app.db.signInEmail.count();
    const cases: [Record<string, unknown>, string][] = [
      [{ email: "not-an-email" }, "email"],
      [{ email: "a@example.com", name: "x" }, "name"],
      [{ email: "a@example.com", callbackURL: "https://evil.example/" }, "callbackURL"],
      [{ email: "a@example.com", callbackURL: "//evil.example/" }, "callbackURL"],
      [{ email: "a@example.com", callbackURL: "" }, "callbackURL"],
      [{ email: "a@example.com\r\nBcc: x@example.com" }, "email"],
    ];
    for (const [body, field] of cases) {
      const response = await app.fetch("/api/auth/sign-in/magic-link", { method: "POST", headers: { origin: APP_URL }, json: body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await response.json()).issues.map((i: { path: string }) => i.path)).toContain(field);
    }
    expect(await app.db.signInEmail.count()).toBe(before);
  });

  it("gives the session to API calls, and sign-out ends it", async () => {
    const cookie = await app.signIn("erin@example.com");
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(200);
    const out = await app.fetch("/api/auth/sign-out", { method: "POST", headers: { origin: APP_URL }, cookie, json: {} });
    expect(out.status).toBe(200);
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(401);
  });

  it("refuses a session cookie that is expired, signed with another secret, altered, or under another name", async () => {
    const cookie = await app.signIn("gil@example.com");
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(200);
    const [name, value] = cookie.split("=") as [string, string];
    // Over http the name has no __Secure- prefix; the prefixed one (or Better Auth's default name) is not ours here.
    expect((await app.fetch("/api/reports", { cookie: `__Secure-${cookie}` })).status).toBe(401);
    expect((await app.fetch("/api/reports", { cookie: `better-auth.session_token=${value}` })).status).toBe(401);
    const [token] = decodeURIComponent(value).split(".");
    const forged = signedSessionCookie(token!, "another-secret-that-is-32-chars-long!!");
    expect((await app.fetch("/api/reports", { cookie: forged })).status).toBe(401);
    expect((await app.fetch("/api/reports", { cookie: `${name}=${encodeURIComponent(`${token}x.${decodeURIComponent(value).split(".")[1]}`)}` })).status).toBe(401);
    await app.db.session.updateMany({ where: { token }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(401);
  });
});
