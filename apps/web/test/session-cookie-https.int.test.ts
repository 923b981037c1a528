// Over https the session cookie is __Host-backline.session_token: Secure,
// Path=/, no Domain, so neither a subdomain nor a plain-http page can plant or
// shadow it; session.ts reads only that name. Sign-out clears it.
import { TEST_SECRETS, signedSessionCookie } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebApp, type WebApp } from "./web-app.ts";

const HTTPS_URL = "https://app.test";
let app: WebApp;
beforeAll(async () => {
  app = await startWebApp({ APP_URL: HTTPS_URL });
});
afterAll(() => app?.close());

describe("the session cookie over https", () => {
  it("is __Host- prefixed, Secure, Path=/ with no Domain, and the only name accepted", async () => {
    await app.fetch("/api/auth/sign-in/magic-link", { method: "POST", headers: { origin: HTTPS_URL }, json: { email: "ivy@example.com" } });
    const pending = await app.db.signInEmail.findFirstOrThrow({ where: { email: "ivy@example.com" } });
    const { openSignInLink } = await import("@backline/sign-in-outbox");
    const link = new URL(openSignInLink(pending.sealedUrl!, pending.email, TEST_SECRETS.AUTH_SECRET)!);
    expect(link.origin + link.pathname).toBe(`${HTTPS_URL}/sign-in/confirm`);
    const verified = await app.confirmSignIn(link);
    expect(verified.status).toBe(303);
    const setCookies = verified.headers.getSetCookie();
    const header = setCookies.find((c) => c.startsWith("__Host-backline.session_token="))!;
    expect(header, setCookies.join("\n")).toBeDefined();
    expect(header).toMatch(/; Secure/);
    expect(header).toMatch(/; Path=\/(;|$)/);
    expect(header).toMatch(/; HttpOnly/);
    expect(header).toMatch(/; SameSite=Lax/);
    expect(header).not.toMatch(/Domain=/i);
    expect(setCookies.some((c) => c.startsWith("__Secure-"))).toBe(false);

    const cookie = header.split(";")[0]!;
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(200);
    // The same signed value under any other name is not a session here.
    const value = cookie.slice(cookie.indexOf("=") + 1);
    for (const other of ["__Secure-backline.session_token", "backline.session_token", "__host-backline.session_token"]) {
      expect((await app.fetch("/api/reports", { cookie: `${other}=${value}` })).status, other).toBe(401);
    }
    // test-kit's helper names it the same way for https stacks.
    const [token] = decodeURIComponent(value).split(".");
    expect(signedSessionCookie(token!, TEST_SECRETS.AUTH_SECRET, { https: true })).toBe(cookie);

    const out = await app.fetch("/api/auth/sign-out", { method: "POST", headers: { origin: HTTPS_URL }, cookie, json: {} });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie().some((c) => c.startsWith("__Host-backline.session_token=") && /Max-Age=0/.test(c))).toBe(true);
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(401);
  });
});
