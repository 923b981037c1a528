// Who may sign in (lib/server/sign-up-policy.ts), through the real sign-in
// route on a real database: ALLOWED_EMAIL_DOMAINS, invitations, ADMIN_EMAILS,
// existing accounts, removed ones. Someone refused gets exactly the answer
// anyone else gets, and nothing is written, queued or emailed for them.
import { openSignInLink } from "@backline/sign-in-outbox";
import { TEST_SECRETS } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSignUp } from "@backline/config";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

let app: WebApp;
beforeAll(async () => {
  // A non-local APP_URL (http://app.test) with a domain policy, as a deployment would have.
  // Accounts are removed by hand here (not through the admin route, which tells every process's memory of
  // sessions): read the database every time (SESSION_CACHE_SECONDS=0).
  app = await startWebApp({
    SESSION_CACHE_SECONDS: "0",
    ALLOWED_EMAIL_DOMAINS: "Example.com, @corp.example",
    ALLOW_OPEN_SIGN_UP: "",
    ADMIN_EMAILS: "boss@elsewhere.org",
  });
});
afterAll(() => app?.close());

const ask = (email: string) => app.fetch("/api/auth/sign-in/magic-link", { method: "POST", headers: { origin: APP_URL }, json: { email, callbackURL: "/" } });

/** What asking for a link left behind for this address. */
async function traces(email: string) {
  return {
    signInEmails: await app.db.signInEmail.count({ where: { email } }),
    verifications: (await app.db.verification.findMany()).filter((v) => v.value.includes(`"${email}"`)).length,
  };
}

/** Asks for a link and answers its status, headers that matter and body. */
async function answer(email: string) {
  const response = await ask(email);
  return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
}

/** The confirmation link emailed to this address (the newest). */
async function emailedLink(email: string): Promise<URL> {
  const row = await app.db.signInEmail.findFirstOrThrow({ where: { email }, orderBy: { id: "desc" } });
  return new URL(openSignInLink(row.sealedUrl!, row.email, TEST_SECRETS.AUTH_SECRET)!);
}

describe("the sign-up policy", () => {
  it("lets in addresses at ALLOWED_EMAIL_DOMAINS, and answers anyone else exactly alike without writing or sending anything", async () => {
    const allowed = await answer("amy@example.com");
    expect(allowed.status).toBe(200);
    expect(await traces("amy@example.com")).toEqual({ signInEmails: 1, verifications: 1 });
    expect(await answer("cal@corp.example")).toEqual(allowed);
    expect(await traces("cal@corp.example")).toEqual({ signInEmails: 1, verifications: 1 });

    for (const outsider of ["eve@elsewhere.org", "eve@example.com.evil.org", "eve@sub.example.com"]) {
      expect(await answer(outsider), outsider).toEqual(allowed); // same status, same body: no way to tell
      expect(await traces(outsider), outsider).toEqual({ signInEmails: 0, verifications: 0 });
    }
    expect(await app.db.user.count({ where: { email: { startsWith: "eve@" } } })).toBe(0);
  });

  it("always lets in ADMIN_EMAILS, invited addresses and existing accounts, whatever their domain", async () => {
    expect((await ask("boss@elsewhere.org")).status).toBe(200);
    expect((await traces("boss@elsewhere.org")).signInEmails).toBe(1);

    await app.db.invitation.create({ data: { email: "guest@partner.org", invitedBy: "boss@elsewhere.org" } });
    await ask("guest@partner.org");
    expect((await traces("guest@partner.org")).signInEmails).toBe(1);
    const cookie = await app.signIn("guest@partner.org");
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(200);

    // An ADMIN_EMAILS address gets in even if its account was removed before it was listed there (and is restored).
    await app.signIn("boss@elsewhere.org");
    await app.db.user.update({ where: { email: "boss@elsewhere.org" }, data: { removedAt: new Date() } });
    const boss = await app.signIn("boss@elsewhere.org");
    expect((await app.fetch("/api/reports", { cookie: boss })).status).toBe(200);
    expect((await app.db.user.findUniqueOrThrow({ where: { email: "boss@elsewhere.org" } })).removedAt).toBeNull();

    // An account made before the policy (or by an invitation since withdrawn) keeps working.
    await app.db.user.create({ data: { email: "old@legacy.org", emailVerified: true } });
    await ask("old@legacy.org");
    expect((await traces("old@legacy.org")).signInEmails).toBe(1);
  });

  it("keeps a removed account out, even with a link emailed before the removal", async () => {
    const cookie = await app.signIn("rae@example.com");
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(200);
    await ask("rae@example.com");
    const link = await emailedLink("rae@example.com");
    const before = await traces("rae@example.com");
    await app.db.user.update({ where: { email: "rae@example.com" }, data: { removedAt: new Date() } });

    // The session it still has (had an admin not deleted it) is no session.
    expect((await app.fetch("/api/reports", { cookie })).status).toBe(401);
    // The emailed link doesn't make a new one.
    const sessions = await app.db.session.count();
    const confirmed = await app.confirmSignIn(link);
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get("location")).toMatch(/error=/);
    expect(confirmed.headers.getSetCookie().some((c) => /session_token=[^;]/.test(c))).toBe(false);
    expect(await app.db.session.count()).toBe(sessions);
    // And asking again is answered like anyone's, with nothing sent.
    expect(await answer("rae@example.com")).toEqual(await answer("amy@example.com"));
    expect(await traces("rae@example.com")).toEqual({ signInEmails: before.signInEmails, verifications: before.verifications - 1 });
  });

  it("makes no account when the address stopped being allowed between the email and the click", async () => {
    await app.db.invitation.create({ data: { email: "tim@partner.org", invitedBy: "boss@elsewhere.org" } });
    await ask("tim@partner.org");
    const link = await emailedLink("tim@partner.org");
    await app.db.invitation.delete({ where: { email: "tim@partner.org" } });
    const confirmed = await app.confirmSignIn(link);
    expect(confirmed.headers.get("location")).toMatch(/error=/);
    expect(await app.db.user.count({ where: { email: "tim@partner.org" } })).toBe(0);
  });
});

describe("open sign-up", () => {
  const base = { ADMIN_EMAILS: [], ALLOWED_EMAIL_DOMAINS: [] as string[] };
  it("is open with no policy on a local APP_URL (npm run up), closed with none elsewhere, and whatever ALLOW_OPEN_SIGN_UP says", () => {
    expect(openSignUp({ ...base, APP_URL: "http://localhost:3000" } as never)).toBe(true);
    expect(openSignUp({ ...base, APP_URL: "http://127.0.0.1:3000" } as never)).toBe(true);
    expect(openSignUp({ ...base, APP_URL: "http://backline.localhost" } as never)).toBe(true);
    expect(openSignUp({ ...base, APP_URL: "http://reports.internal:3000" } as never)).toBe(false);
    expect(openSignUp({ ...base, APP_URL: "https://backline.example" } as never)).toBe(false);
    expect(openSignUp({ ...base, APP_URL: "http://localhost:3000", ALLOWED_EMAIL_DOMAINS: ["example.com"] } as never)).toBe(false);
    expect(openSignUp({ ...base, APP_URL: "https://backline.example", ALLOW_OPEN_SIGN_UP: true } as never)).toBe(true);
    expect(openSignUp({ ...base, APP_URL: "http://localhost:3000", ALLOW_OPEN_SIGN_UP: false } as never)).toBe(false);
  });
});
