// With Redis down, the web app still accepts what people ask for: the rows are
// written (Postgres is the source of truth) and the worker's reconciler gives
// them their jobs once Redis is back. Answers come quickly, never a hang.
import { randomBytes } from "node:crypto";
import { TEST_SECRETS, signedSessionCookie } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

let app: WebApp;
let cookie: string;
beforeAll(async () => {
  app = await startWebApp({ REDIS_URL: "redis://127.0.0.1:1" }); // nothing listens on port 1
  // Signed in already (the session rows Better Auth writes), since signing in needs the worker's email.
  const user = await app.db.user.create({ data: { email: "ana@example.com", emailVerified: true } });
  const token = randomBytes(24).toString("base64url");
  await app.db.session.create({ data: { token, userId: user.id, expiresAt: new Date(Date.now() + 3_600_000) } });
  cookie = signedSessionCookie(token, TEST_SECRETS.AUTH_SECRET);
});
afterAll(() => app?.close());

describe("Redis down", () => {
  it("a sign-in link request answers 200 and keeps the row, sealed, for the reconciler", async () => {
    const started = Date.now();
    const response = await app.fetch("/api/auth/sign-in/magic-link", {
      method: "POST",
      headers: { origin: APP_URL, "x-forwarded-for": "192.0.2.1" },
      json: { email: "ben@example.com" },
    });
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    const row = await app.db.signInEmail.findFirstOrThrow({ where: { email: "ben@example.com" } });
    expect([row.sentAt, typeof row.sealedUrl]).toEqual([null, "string"]);
  });

  it("a report request answers 202 and the report is kept Queued", async () => {
    const response = await app.fetch("/api/reports", { method: "POST", cookie, headers: { "x-forwarded-for": "192.0.2.1" }, json: { type: "sales-summary" } });
    expect(response.status).toBe(202);
    const { id } = await response.json();
    expect((await app.db.report.findUniqueOrThrow({ where: { id } })).status).toBe("queued");
  });
});
