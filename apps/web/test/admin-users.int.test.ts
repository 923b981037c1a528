// /api/admin/users through the real routes on a real database and queue: only
// an admin sees them (everyone else: 404, like a missing page); inviting lets an
// address in whatever its domain; removing a user ends their sessions at once,
// stops their download links and their sign-ins, and keeps their reports.
import { issueDownloadLink } from "@backline/report-service";
import { TEST_SECRETS } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

const ADMIN = "admin@example.com";
let app: WebApp;
let admin: string;
beforeAll(async () => {
  app = await startWebApp({ ADMIN_EMAILS: ADMIN, ALLOWED_EMAIL_DOMAINS: "example.com", ALLOW_OPEN_SIGN_UP: "" });
  admin = await app.signIn(ADMIN);
});
afterAll(() => app?.close());

const post = (path: string, cookie: string | undefined, json?: unknown) =>
  app.fetch(path, { method: "POST", headers: { origin: APP_URL }, cookie, ...(json === undefined ? {} : { json }) });
const userId = async (email: string) => (await app.db.user.findUniqueOrThrow({ where: { email } })).id;
const askForLink = (email: string) => app.fetch("/api/auth/sign-in/magic-link", { method: "POST", headers: { origin: APP_URL }, json: { email } });

describe("admin user management", () => {
  it("is a 404 for anyone but an admin, signed in or not", async () => {
    const member = await app.signIn("mo@example.com");
    const id = await userId("mo@example.com");
    for (const cookie of [undefined, member]) {
      const list = await app.fetch("/api/admin/users", { cookie });
      expect(list.status).toBe(404);
      expect((await post("/api/admin/users/invitations", cookie, { email: "x@other.org" })).status).toBe(404);
      expect((await post("/api/admin/users/invitations/cancel", cookie, { email: "x@other.org" })).status).toBe(404);
      expect((await post(`/api/admin/users/${id}/remove`, cookie)).status).toBe(404);
    }
    expect(await app.db.invitation.count()).toBe(0);
    expect((await app.db.user.findUniqueOrThrow({ where: { id } })).removedAt).toBeNull();
    expect((await app.fetch("/api/admin/users", { cookie: admin })).status).toBe(200);
  });

  it("validates an invitation, naming the field, and writes nothing when it is bad", async () => {
    const cases: [unknown, string][] = [
      [{ email: "not-an-email" }, "email"],
      [{}, "email"],
      [{ email: "a@other.org", role: "admin" }, "role"],
      [{ email: "a@other.org\r\nBcc: x@example.com" }, "email"],
    ];
    for (const [body, field] of cases) {
      const response = await post("/api/admin/users/invitations", admin, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await response.json()).issues.map((i: { path: string }) => i.path)).toContain(field);
    }
    const notJson = await app.fetch("/api/admin/users/invitations", {
      method: "POST",
      headers: { origin: APP_URL, "content-type": "text/plain" },
      cookie: admin,
      body: "a@other.org",
    });
    expect(notJson.status).toBe(415);
    expect(await app.db.invitation.count()).toBe(0);
  });

  it("lets an invited address sign in whatever its domain, and lists it", async () => {
    // Not at example.com: refused (the usual answer, nothing written) until invited.
    expect((await askForLink("pat@partner.org")).status).toBe(200);
    expect(await app.db.signInEmail.count({ where: { email: "pat@partner.org" } })).toBe(0);

    const invited = await post("/api/admin/users/invitations", admin, { email: "Pat@Partner.org" });
    expect(invited.status).toBe(201);
    expect(await invited.json()).toMatchObject({ email: "pat@partner.org", restored: false });
    let list = await (await app.fetch("/api/admin/users", { cookie: admin })).json();
    expect(list.invitations).toEqual([expect.objectContaining({ email: "pat@partner.org", invitedBy: ADMIN })]);

    const pat = await app.signIn("pat@partner.org");
    expect((await app.fetch("/api/reports", { cookie: pat })).status).toBe(200);
    list = await (await app.fetch("/api/admin/users", { cookie: admin })).json();
    expect(list.invitations).toEqual([]);
    const row = list.users.find((u: { email: string }) => u.email === "pat@partner.org");
    expect(row).toMatchObject({ invited: true, removedAt: null, admin: false });
    expect(Date.parse(row.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(row.lastSignInAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(list.users.find((u: { email: string }) => u.email === ADMIN)).toMatchObject({ admin: true });

    // Withdrawing an unused invitation keeps that address out again.
    await post("/api/admin/users/invitations", admin, { email: "kim@partner.org" });
    expect(await (await post("/api/admin/users/invitations/cancel", admin, { email: "kim@partner.org" })).json()).toEqual({ cancelled: true });
    await askForLink("kim@partner.org");
    expect(await app.db.signInEmail.count({ where: { email: "kim@partner.org" } })).toBe(0);
  });

  it("removes a user: sessions end at once, links and sign-in stop, in-flight reports are cancelled, reports stay; inviting again restores", async () => {
    const lee = await app.signIn("lee@example.com");
    const second = await app.signIn("lee@example.com"); // another device
    const id = await userId("lee@example.com");
    const created = await app.fetch("/api/reports", { method: "POST", headers: { origin: APP_URL }, cookie: lee, json: { type: "sales-summary" } });
    expect(created.status).toBe(202);
    const reportId = (await created.json()).id as string;
    const keys = { secret: TEST_SECRETS.DOWNLOAD_LINK_SECRET };
    const link = new URL((await issueDownloadLink(app.db, { reportId, userId: id, channel: "email", appUrl: APP_URL, ttlHours: 24, keys })).url);
    await askForLink("lee@example.com"); // a link waiting for its email
    const waiting = await app.db.signInEmail.findFirstOrThrow({ where: { email: "lee@example.com", sentAt: null }, orderBy: { id: "desc" } });
    const waitingLink = await import("@backline/sign-in-outbox").then(
      (m) => new URL(m.openSignInLink(waiting.sealedUrl!, waiting.email, TEST_SECRETS.AUTH_SECRET)!),
    );

    const removed = await post(`/api/admin/users/${id}/remove`, admin);
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ id, email: "lee@example.com", sessionsEnded: 2, linksRevoked: 1, reportsCancelled: 1 });

    // At once, on every device.
    expect((await app.fetch("/api/reports", { cookie: lee })).status).toBe(401);
    expect((await app.fetch("/api/reports", { cookie: second })).status).toBe(401);
    expect(await app.db.session.count({ where: { userId: id } })).toBe(0);
    // The emailed download link, and one a worker might still make for them.
    expect((await app.fetch(link.pathname + link.search)).status).toBe(410);
    const later = new URL((await issueDownloadLink(app.db, { reportId, userId: id, channel: "email", appUrl: APP_URL, ttlHours: 48, keys })).url);
    expect((await app.fetch(later.pathname + later.search)).status).toBe(410);
    // The waiting sign-in email is dropped, and the link already made doesn't sign in.
    expect((await app.db.signInEmail.findUniqueOrThrow({ where: { id: waiting.id } })).sealedUrl).toBeNull();
    expect((await app.confirmSignIn(waitingLink)).headers.get("location")).toMatch(/error=/);
    // Asking again: the usual answer, nothing written.
    const count = await app.db.signInEmail.count({ where: { email: "lee@example.com" } });
    expect((await askForLink("lee@example.com")).status).toBe(200);
    expect(await app.db.signInEmail.count({ where: { email: "lee@example.com" } })).toBe(count);
    // A session row made behind the app's back is still no session.
    await app.db.session.create({ data: { token: "planted-token-0123456789", userId: id, expiresAt: new Date(Date.now() + 3600_000) } });
    const { signedSessionCookie } = await import("@backline/test-kit");
    expect((await app.fetch("/api/reports", { cookie: signedSessionCookie("planted-token-0123456789", TEST_SECRETS.AUTH_SECRET) })).status).toBe(401);
    // Their report stays, for the record (cancelled, as it hadn't been built), and the admin still sees it.
    const report = await app.db.report.findUniqueOrThrow({ where: { id: reportId } });
    expect(report.status).toBe("cancelled");
    expect((await app.fetch(`/api/reports/${reportId}`, { cookie: admin })).status).toBe(200);
    const list = await (await app.fetch("/api/admin/users", { cookie: admin })).json();
    expect(Date.parse(list.users.find((u: { id: string }) => u.id === id).removedAt)).toBeGreaterThan(Date.now() - 60_000);

    // Invited again: back in (the old links stay revoked).
    expect(await (await post("/api/admin/users/invitations", admin, { email: "lee@example.com" })).json()).toMatchObject({ restored: true });
    const back = await app.signIn("lee@example.com");
    expect((await app.fetch("/api/reports", { cookie: back })).status).toBe(200);
    expect((await app.fetch(link.pathname + link.search)).status).toBe(410);
  });

  it("won't remove yourself, an ADMIN_EMAILS address, or someone who doesn't exist", async () => {
    const self = await post(`/api/admin/users/${await userId(ADMIN)}/remove`, admin);
    expect(self.status).toBe(409);
    expect((await post("/api/admin/users/00000000-0000-4000-8000-000000000000/remove", admin)).status).toBe(404);
    expect((await post("/api/admin/users/not-a-uuid/remove", admin)).status).toBe(404);
    expect((await app.fetch("/api/reports", { cookie: admin })).status).toBe(200);
  });
});
