// The /admin/users page, rendered as Next renders a server component (the
// signed-in actor stubbed; the data real): an admin sees accounts, invitations
// and the forms; anyone else gets the ordinary 404 (notFound()).
import type { Actor } from "@backline/report-service";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startWebApp, type WebApp } from "./web-app.ts";

const actor = vi.hoisted(() => ({ current: null as Actor | null }));
vi.mock("../lib/server/session.ts", async (original) => ({ ...(await original<object>()), pageActor: async () => actor.current }));
vi.mock("next/navigation", async (original) => ({ ...(await original<object>()), useRouter: () => ({ refresh() {} }) }));

let app: WebApp;
beforeAll(async () => {
  app = await startWebApp({ ADMIN_EMAILS: "admin@example.com", ALLOWED_EMAIL_DOMAINS: "example.com", ALLOW_OPEN_SIGN_UP: "" });
});
afterAll(() => app?.close());

async function render(): Promise<string> {
  const { default: Page } = await import("../app/admin/users/page.tsx");
  return renderToStaticMarkup(await Page());
}

describe("/admin/users", () => {
  it("is not found for anonymous visitors and non-admins", async () => {
    for (const who of [null, { userId: "00000000-0000-4000-8000-000000000001", email: "mo@example.com", admin: false }]) {
      actor.current = who;
      await expect(render()).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_HTTP_ERROR_FALLBACK;404/) });
    }
  });

  it("shows an admin every account with its state, the invitations, and labelled forms", async () => {
    const admin = await app.db.user.create({ data: { email: "admin@example.com", emailVerified: true, lastSignInAt: new Date("2026-11-30T10:00:00Z") } });
    await app.db.user.create({ data: { email: "gone@example.com", emailVerified: true, removedAt: new Date("2026-11-30T11:00:00Z") } });
    await app.db.user.create({ data: { email: "here@example.com", emailVerified: true } });
    await app.db.invitation.create({ data: { email: "guest@partner.org", invitedBy: "admin@example.com" } });
    actor.current = { userId: admin.id, email: "admin@example.com", admin: true };
    const html = await render();
    expect(html).toContain("<h1>Users</h1>");
    expect(html).toMatch(/Addresses at example\.com may create an account/);
    const label = /<label for="([^"]+)">Email address<\/label><input id="([^"]+)" type="email"/.exec(html);
    expect(label?.[1]).toBe(label?.[2]); // the invite field is labelled
    expect(html).toContain("guest@partner.org");
    expect(html).toMatch(/gone@example\.com.*Removed <time dateTime="2026-11-30T11:00:00.000Z">2026-11-30 11:00 UTC<\/time>/);
    expect(html).toMatch(/<time dateTime="2026-11-30T10:00:00.000Z">/); // last sign-in
    expect(html).toContain('aria-label="Remove here@example.com"');
    expect(html).not.toContain('aria-label="Remove admin@example.com"'); // not yourself, not ADMIN_EMAILS
    expect(html).not.toContain('aria-label="Remove gone@example.com"');
    expect(html).toContain('aria-label="Withdraw the invitation of guest@partner.org"');
  });
});
