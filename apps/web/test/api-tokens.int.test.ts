// Personal API tokens through the real route handlers on a scratch database:
// created on a session (secret once, only its hash stored), used as
// `Authorization: Bearer` with the owner's ownership rules, scopes enforced
// (and never on tokens, webhooks or settings), revoked → 401 on the next
// request, expired → 401, admin powers only with a campaigns scope, limits and
// the in-flight cap counted per owner across cookie and token. Also the
// webhook registration's SSRF refusal, and the settings API.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebApp, type WebApp } from "./web-app.ts";

let app: WebApp;
let ana: string;
let ben: string;
let boss: string;

beforeAll(async () => {
  app = await startWebApp({
    REPORTS_PER_USER_PER_MINUTE: "5",
    MAX_REPORTS_IN_FLIGHT_PER_USER: "50",
    ADMIN_EMAILS: "boss@example.com",
    WEBHOOK_ALLOWED_HOSTS: "localhost",
  });
  ana = await app.signIn("ana@example.com");
  ben = await app.signIn("ben@example.com");
  boss = await app.signIn("boss@example.com");
});
afterAll(() => app?.close());

const newToken = async (cookie: string, body: object) => {
  const response = await app.fetch("/api/tokens", { method: "POST", cookie, json: body });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as { id: string; token: string; prefix: string };
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const report = { type: "sales-summary", params: { groupBy: "month" } };

describe("API tokens", () => {
  it("are created once (201 {id, token}), stored only as a hash, listed without secrets, used as their owner, and revoked at once (401)", async () => {
    const created = await newToken(ana, { name: "Export", scopes: ["reports:write", "reports:read"], expiresInDays: 30 });
    expect(created.token).toMatch(/^bkl_[A-Za-z0-9_-]{43}$/);
    const row = await app.db.apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.tokenHash).toBe(createHash("sha256").update(created.token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(created.token);

    const listed = await (await app.fetch("/api/tokens", { cookie: ana })).json();
    expect(listed.items).toEqual([expect.objectContaining({ id: created.id, name: "Export", scopes: ["reports:write", "reports:read"], lastUsedAt: null })]);
    expect(JSON.stringify(listed)).not.toContain(created.token);

    const posted = await app.fetch("/api/reports", { method: "POST", headers: bearer(created.token), json: report });
    expect(posted.status).toBe(202);
    const { id } = await posted.json();
    expect((await app.db.report.findUniqueOrThrow({ where: { id } })).ownerEmail).toBe("ana@example.com");
    expect((await app.fetch(`/api/reports/${id}`, { headers: bearer(created.token) })).status).toBe(200);
    // Someone else's report is as missing to the token as to its owner.
    expect((await app.fetch(`/api/reports/${id}`, { cookie: ben })).status).toBe(404);
    // Last use is written (at most once a minute).
    expect((await app.db.apiToken.findUniqueOrThrow({ where: { id: created.id } })).lastUsedAt).not.toBeNull();

    expect((await app.fetch(`/api/tokens/${created.id}`, { method: "DELETE", cookie: ben })).status).toBe(404);
    expect((await app.fetch(`/api/tokens/${created.id}`, { method: "DELETE", cookie: ana })).status).toBe(204);
    const revoked = await app.fetch(`/api/reports/${id}`, { headers: bearer(created.token) });
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get("www-authenticate")).toMatch(/invalid_token/);
    expect((await app.fetch("/api/reports", { method: "POST", headers: bearer(created.token), json: report })).status).toBe(401);
  });

  it("enforce scopes: read-only can't write, reports can't touch schedules, and no token works on tokens, webhooks or settings", async () => {
    const { token } = await newToken(ana, { name: "Read", scopes: ["reports:read"] });
    expect((await app.fetch("/api/reports", { headers: bearer(token) })).status).toBe(200);
    const write = await app.fetch("/api/reports", { method: "POST", headers: bearer(token), json: report });
    expect(write.status).toBe(403);
    expect((await write.json()).error).toMatch(/reports:write/);
    expect((await app.fetch("/api/schedules", { headers: bearer(token) })).status).toBe(403);
    for (const path of ["/api/tokens", "/api/webhooks", "/api/settings"]) expect((await app.fetch(path, { headers: bearer(token) })).status, path).toBe(403);
    const sched = await newToken(ana, { name: "Schedules", scopes: ["schedules:read"] });
    expect((await app.fetch("/api/schedules", { headers: bearer(sched.token) })).status).toBe(200);
    // The customer search serves report forms: reports:read reads it.
    expect((await app.fetch("/api/customers?q=1", { headers: bearer(token) })).status).toBe(200);
    expect((await app.fetch("/api/customers?q=1", { headers: bearer(sched.token) })).status).toBe(403);
    expect((await app.fetch("/api/reports", { headers: bearer("bkl_" + "x".repeat(43)) })).status).toBe(401);
  });

  it("refuse bad requests by field, campaign scopes for non-admins, and expired tokens", async () => {
    const bad = await app.fetch("/api/tokens", { method: "POST", cookie: ana, json: { name: "", scopes: ["reports:delete"], colour: 1 } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).issues.map((i: { path: string }) => i.path).sort()).toEqual(["colour", "name", "scopes.0"]);
    const campaigns = await app.fetch("/api/tokens", { method: "POST", cookie: ana, json: { name: "C", scopes: ["campaigns:read"] } });
    expect(campaigns.status).toBe(400);
    expect((await campaigns.json()).issues[0].path).toBe("scopes");

    const expired = await newToken(ana, { name: "Old", scopes: ["reports:read"], expiresInDays: 1 });
    await app.db.apiToken.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await app.fetch("/api/reports", { headers: bearer(expired.token) })).status).toBe(401);
  });

  it("give an admin's token admin powers only with a campaigns scope", async () => {
    const plain = await newToken(boss, { name: "Plain", scopes: ["reports:read"] });
    expect((await app.fetch("/api/campaigns", { headers: bearer(plain.token) })).status).toBe(403);
    const admin = await newToken(boss, { name: "Campaigns", scopes: ["campaigns:read"] });
    expect((await app.fetch("/api/campaigns", { headers: bearer(admin.token) })).status).toBe(200);
    // A campaigns scope is not the admin pages' power: those stay session-only (404 as for anyone else).
    expect((await app.fetch("/api/admin/users", { headers: bearer(admin.token) })).status).toBe(404);
  });

  it("count limits per owner across cookie and token: five a minute in all, the sixth refused either way", async () => {
    const carl = await app.signIn("carl@example.com");
    const { token } = await newToken(carl, { name: "Limits", scopes: ["reports:write"] });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const viaToken = i % 2 === 0;
      const response = await app.fetch("/api/reports", {
        method: "POST",
        ...(viaToken ? { headers: bearer(token) } : { cookie: carl }),
        json: report,
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });
});

describe("webhook registration", () => {
  it("refuses a receiver on a loopback, private or link-local address unless WEBHOOK_ALLOWED_HOSTS names it; returns the secret once", async () => {
    for (const url of ["http://127.0.0.1:9/hook", "http://[::1]:9/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest", "ftp://example.com/x"]) {
      const refused = await app.fetch("/api/webhooks", { method: "POST", cookie: ana, json: { url, events: ["report.sent"] } });
      expect(refused.status, url).toBe(400);
      expect((await refused.json()).issues[0].path, url).toBe("url");
    }
    expect(await app.db.webhookEndpoint.count()).toBe(0);
    // This app allows `localhost` (startWebApp's WEBHOOK_ALLOWED_HOSTS), though it resolves to loopback.
    const created = await app.fetch("/api/webhooks", { method: "POST", cookie: ana, json: { url: "http://localhost:9/hook", events: ["report.sent"] } });
    expect(created.status).toBe(201);
    const { id, secret } = await created.json();
    expect(secret).toMatch(/^whsec_/);
    expect(JSON.stringify(await app.db.webhookEndpoint.findFirst())).not.toContain(secret);
    const listed = await (await app.fetch("/api/webhooks", { cookie: ana })).json();
    expect(listed.items).toEqual([expect.objectContaining({ id, url: "http://localhost:9/hook", events: ["report.sent"] })]);
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect((await app.fetch(`/api/webhooks/${id}/deliveries`, { cookie: ben })).status).toBe(404);
    expect(await (await app.fetch(`/api/webhooks/${id}/deliveries`, { cookie: ana })).json()).toEqual({ items: [] });
    const campaignEvents = await app.fetch("/api/webhooks", {
      method: "POST",
      cookie: ana,
      json: { url: "http://localhost:9/x", events: ["campaign.paused"] },
    });
    expect(campaignEvents.status).toBe(400);
    // A delivery that failed, as the worker leaves it: Resend puts the same message (same id) in a new round and turns the endpoint back on.
    const report = await app.db.report.create({
      data: {
        type: "sales-summary",
        params: {},
        userId: (await app.db.user.findUniqueOrThrow({ where: { email: "ana@example.com" } })).id,
        ownerEmail: "ana@example.com",
      },
    });
    const message = await app.db.webhookMessage.create({
      data: {
        endpointId: id,
        type: "report.sent",
        subjectId: report.id,
        sourceKey: "test",
        status: "failed",
        enqueuedAt: new Date(),
        attempts: { create: { statusCode: 500, durationMs: 12 } },
      },
    });
    await app.db.webhookEndpoint.update({ where: { id }, data: { disabledAt: new Date(), disabledReason: "failing", failingSince: new Date() } });
    const deliveries = await (await app.fetch(`/api/webhooks/${id}/deliveries`, { cookie: ana })).json();
    expect(deliveries.items).toEqual([
      expect.objectContaining({ id: message.id, status: "failed", attempts: [expect.objectContaining({ statusCode: 500, durationMs: 12 })] }),
    ]);
    expect((await app.fetch(`/api/webhooks/${id}/deliveries/${message.id}/resend`, { method: "POST", cookie: ben })).status).toBe(404);
    expect((await app.fetch(`/api/webhooks/${id}/deliveries/${message.id}/resend`, { method: "POST", cookie: ana })).status).toBe(202);
    expect(await app.db.webhookMessage.findUniqueOrThrow({ where: { id: message.id } })).toMatchObject({ status: "pending", round: 1, enqueuedAt: null });
    expect(await app.db.webhookEndpoint.findUniqueOrThrow({ where: { id } })).toMatchObject({ disabledAt: null, failingSince: null });
    expect((await app.fetch(`/api/webhooks/${id}`, { method: "DELETE", cookie: ben })).status).toBe(404);
    expect((await app.fetch(`/api/webhooks/${id}`, { method: "DELETE", cookie: ana })).status).toBe(204);
  });
});

describe("/api/settings", () => {
  it("reads and changes paper size and locale, 400 naming a bad field", async () => {
    expect(await (await app.fetch("/api/settings", { cookie: ben })).json()).toEqual({ paperSize: "Letter", locale: "en-US" });
    const changed = await app.fetch("/api/settings", { method: "PATCH", cookie: ben, json: { paperSize: "A4", locale: "de-de" } });
    expect(await changed.json()).toEqual({ paperSize: "A4", locale: "de-DE" });
    const bad = await app.fetch("/api/settings", { method: "PATCH", cookie: ben, json: { paperSize: "A3", locale: "not a locale!" } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).issues.map((i: { path: string }) => i.path).sort()).toEqual(["locale", "paperSize"]);
  });
});

describe("default preferences", () => {
  it("are set from Accept-Language by the first signed-in page, and never overwritten by a later one", async () => {
    const { actorFrom } = await import("../lib/server/session.ts");
    const dora = await app.signIn("dora@example.com");
    const read = async () => app.db.user.findUniqueOrThrow({ where: { email: "dora@example.com" }, select: { paperSize: true, locale: true } });
    // An API request is not a page: nothing is set.
    await actorFrom(new Headers({ cookie: dora, "accept-language": "de-DE,de;q=0.9" }));
    expect(await read()).toEqual({ paperSize: null, locale: null });
    await actorFrom(new Headers({ cookie: dora, "accept-language": "de-DE,de;q=0.9" }), { page: true });
    expect(await read()).toEqual({ paperSize: "A4", locale: "de-DE" });
    await actorFrom(new Headers({ cookie: dora, "accept-language": "en-US" }), { page: true });
    expect(await read()).toEqual({ paperSize: "A4", locale: "de-DE" });
  });
});
