// Magic-link sign-in through the real Better Auth handlers on a real database
// and queue: the link becomes a row (sealed) and a job carrying only the row's
// id, the token is stored hashed, the link opens a confirmation page that uses
// nothing up (mail scanners open every link), its button's POST signs in once,
// sign-out ends the session, and so does a session left idle.
import { JOB_QUEUE, PRIORITY, createProducerQueue } from "@backline/queue";
import { openSignInLink } from "@backline/sign-in-outbox";
import { TEST_SECRETS, signedSessionCookie } from "@backline/test-kit";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

/** The confirmation page's HTML for a link, as a GET renders it (a server component, called as Next calls it). */
async function confirmPage(link: URL): Promise<string> {
  const { default: Page } = await import("../app/sign-in/confirm/page.tsx");
  return renderToStaticMarkup(await Page({ searchParams: Promise.resolve(Object.fromEntries(link.searchParams)) }));
}

let app: WebApp;
beforeAll(async () => {
  // These tests age and delete session rows by hand, which a web process's memory of verified sessions
  // (SESSION_CACHE_SECONDS) would answer for a while: read the database every time (web-processes.int.test.ts covers the memory).
  app = await startWebApp({ SESSION_CACHE_SECONDS: "0" });
});
afterAll(() => app?.close());

const askForLink = (email: string, extra: Record<string, unknown> = {}) =>
  app.fetch("/api/auth/sign-in/magic-link", { method: "POST", headers: { origin: APP_URL }, json: { email, ...extra } });

describe("magic-link sign-in", () => {
  it("queues the email as a job holding only an id; the token is stored hashed; the link's confirmation signs in once", async () => {
    const response = await askForLink("Dana@Example.com", { callbackURL: "/reports" });
    expect(response.status).toBe(200);
    const row = await app.db.signInEmail.findFirstOrThrow({ where: { email: "dana@example.com" } });
    const link = new URL(openSignInLink(row.sealedUrl!, row.email, TEST_SECRETS.AUTH_SECRET)!);
    expect(link.origin + link.pathname).toBe(`${APP_URL}/sign-in/confirm`);
    const token = link.searchParams.get("token")!;
    expect(row.sealedUrl).not.toContain(token); // the link waits for its email sealed

    const queue = createProducerQueue(JOB_QUEUE["send-sign-in-link"], { redisUrl: process.env.REDIS_URL!, prefix: app.prefix });
    const job = await queue.getJob(row.id);
    expect(job?.name).toBe("send-sign-in-link");
    expect(job?.data).toEqual({ signInEmailId: row.id }); // no address, no link in Redis
    expect(job?.opts).toMatchObject({ priority: PRIORITY.signIn, attempts: 5 }); // as the web path queued it, read back from Redis
    await queue.close();

    const verification = await app.db.verification.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    expect(verification.identifier).not.toContain(token);

    // Opening the link (a scanner, or the person) shows a button and uses nothing up, however often.
    for (let i = 0; i < 3; i++) {
      const html = await confirmPage(link);
      expect(html).toContain('<button class="button" type="submit">Sign in as dana@example.com</button>');
      expect(html).toContain('<form class="card stack" action="/sign-in/verify" method="post">');
    }
    expect(await app.db.verification.count({ where: { id: verification.id } })).toBe(1);
    expect(await app.db.session.count()).toBe(0);
    // Better Auth's own GET endpoint, which would use the token up, is not there.
    expect((await app.fetch(`/api/auth/magic-link/verify${link.search}`)).status).toBe(404);
    expect(await app.db.verification.count({ where: { id: verification.id } })).toBe(1);

    const opened = await app.confirmSignIn(link);
    expect(opened.status).toBe(303);
    expect(opened.headers.get("location")).toBe(`${APP_URL}/reports`);
    const cookie = opened.headers.getSetCookie().find((c) => c.startsWith("backline.session_token="))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
    const session = await app.db.session.findFirstOrThrow({ include: { user: true } });
    expect(session.user.email).toBe("dana@example.com");
    expect(session.user.lastSignInAt).not.toBeNull();

    const again = await app.confirmSignIn(link);
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toMatch(/error=INVALID_TOKEN/);
    expect(again.headers.getSetCookie().some((c) => c.startsWith("backline.session_token=") && !c.includes("Max-Age=0"))).toBe(false);
    // And the page now says so, with no button.
    const used = await confirmPage(link);
    expect(used).toContain("no longer works");
    expect(used).not.toContain("<form");
  });

  it("refuses a confirmation that isn't a form post of a well-formed token", async () => {
    const post = (body: string, type = "application/x-www-form-urlencoded") =>
      app.fetch("/sign-in/verify", { method: "POST", headers: { origin: APP_URL, "content-type": type }, body });
    expect((await post(JSON.stringify({ token: "a".repeat(32) }), "application/json")).status).toBe(415);
    const bad = await post("token=not%20a%20token&callbackURL=%2F");
    expect(bad.status).toBe(400);
    expect((await bad.json()).issues.map((i: { path: string }) => i.path)).toContain("token");
    const offSite = await post(`token=${"a".repeat(32)}&callbackURL=${encodeURIComponent("https://evil.example/")}`);
    expect(offSite.status).toBe(400);
    expect((await offSite.json()).issues.map((i: { path: string }) => i.path)).toContain("callbackURL");
    const unknown = await post(`token=${"a".repeat(32)}&name=x`);
    expect((await unknown.json()).issues.map((i: { path: string }) => i.path)).toContain("name");
    // A well-formed token that was never issued: back to the sign-in page with the reason, and no cookie.
    const never = await post(`token=${"a".repeat(32)}&callbackURL=%2Freports&errorCallbackURL=${encodeURIComponent("/sign-in?next=%2Freports")}`);
    expect(never.status).toBe(303);
    expect(never.headers.get("location")).toBe(`${APP_URL}/sign-in?next=%2Freports&error=INVALID_TOKEN`);
    expect(never.headers.getSetCookie().some((c) => /session_token=[^;]/.test(c))).toBe(false);
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
    // Over http the name has no prefix; a prefixed one (or Better Auth's default name) is not ours here.
    expect((await app.fetch("/api/reports", { cookie: `__Secure-${cookie}` })).status).toBe(401);
    expect((await app.fetch("/api/reports", { cookie: `__Host-${cookie}` })).status).toBe(401);
    expect((await app.fetch("/api/reports", { cookie: `better-auth.session_token=${value}` })).status).toBe(401);
    const [token] = decodeURIComponent(value).split(".");
    const forged = signedSessionCookie(token!, "another-secret-that-is-32-chars-long!!");
    expect((await app.fetch("/api/reports", { cookie: forged })).status).toBe(401);
    expect((await app.fetch("/api/reports", { cookie: `${name}=${encodeURIComponent(`${token}x.${decodeURIComponent(value).split(".")[1]}`)}` })).status).toBe(
      401,
    );
    await app.db.session.updateMany({ where: { token }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(401);
  });

  it("ends a session left idle for SESSION_IDLE_TIMEOUT_HOURS (72 by default), and notes activity at most every few minutes", async () => {
    const cookie = await app.signIn("hana@example.com");
    const user = await app.db.user.findUniqueOrThrow({ where: { email: "hana@example.com" } });
    const at = async () => (await app.db.session.findFirstOrThrow({ where: { userId: user.id } })).updatedAt.getTime();
    const setLastActivity = (msAgo: number) =>
      app.db.$executeRaw`update sessions set updated_at = now() - make_interval(secs => ${msAgo / 1000}) where user_id = ${user.id}::uuid`;
    const hour = 3600_000;

    // Used a minute ago: still fine, and not written again (no write per request).
    await setLastActivity(60_000);
    const before = await at();
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(200);
    expect(await at()).toBe(before);

    // Used 71 hours ago: still fine, and the activity moves on to now.
    await setLastActivity(71 * hour);
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(200);
    expect(Date.now() - (await at())).toBeLessThan(60_000);

    // Unused for 72 hours and a bit: over, though its 30 days aren't.
    await setLastActivity(72 * hour + 60_000);
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(401);
    const session = await app.db.session.findFirstOrThrow({ where: { userId: user.id } });
    // The absolute lifetime: 30 days from sign-in, never extended by activity.
    expect(session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * hour);
    expect(session.expiresAt.getTime()).toBeLessThanOrEqual(session.createdAt.getTime() + 30 * 24 * hour);
  });
});
