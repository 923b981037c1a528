// The admin console's pages, rendered as Next renders server components (the
// signed-in actor stubbed; the data real): anyone but an admin gets the
// ordinary 404 from each; an admin sees labelled forms, the search's findings,
// failures by reason, stuck reports and the audit log.
import { createReport, ensureUser } from "@backline/db";
import type { Actor } from "@backline/report-service";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startWebApp, type WebApp } from "./web-app.ts";

const actor = vi.hoisted(() => ({ current: null as Actor | null }));
vi.mock("../lib/server/session.ts", async (original) => ({ ...(await original<object>()), pageActor: async () => actor.current }));
vi.mock("next/navigation", async (original) => ({ ...(await original<object>()), useRouter: () => ({ refresh() {} }) }));

let app: WebApp;
beforeAll(async () => {
  app = await startWebApp({ ADMIN_EMAILS: "admin@example.com" });
});
afterAll(() => app?.close());

const PAGES = {
  console: () => import("../app/admin/page.tsx"),
  failures: () => import("../app/admin/failures/page.tsx"),
  stuck: () => import("../app/admin/stuck/page.tsx"),
  audit: () => import("../app/admin/audit/page.tsx"),
};

async function render(page: keyof typeof PAGES, searchParams: Record<string, string> = {}): Promise<string> {
  const { default: Page } = await PAGES[page]();
  // biome-ignore lint/suspicious/noExplicitAny: each page takes its own PageProps; these give what they read.
  return renderToStaticMarkup(await (Page as any)({ params: Promise.resolve({}), searchParams: Promise.resolve(searchParams) }));
}

describe("the admin console's pages", () => {
  it("are not found for anonymous visitors and non-admins", async () => {
    for (const who of [null, { userId: "00000000-0000-4000-8000-000000000001", email: "mo@example.com", admin: false }]) {
      actor.current = who;
      for (const page of Object.keys(PAGES) as (keyof typeof PAGES)[]) {
        await expect(render(page), page).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_HTTP_ERROR_FALLBACK;404/) });
      }
    }
  });

  it("show an admin the search, its findings with selectable reports, failures, stuck reports and the audit log", async () => {
    const admin = await ensureUser(app.db, "admin@example.com");
    actor.current = { userId: admin.id, email: "admin@example.com", admin: true };
    const owner = await ensureUser(app.db, "pat@example.com");
    const failed = await createReport(app.db, { type: "sales-summary", params: {}, owner });
    await app.db.report.update({
      where: { id: failed.id },
      data: { status: "failed", failureReason: "Mail server unreachable", finishedAt: new Date(), attempts: 3 },
    });
    const lost = await createReport(app.db, { type: "sales-summary", params: {}, owner });
    await app.db.report.update({ where: { id: lost.id }, data: { updatedAt: new Date(Date.now() - 60_000) } });
    await app.db.auditEntry.create({
      data: { actor: "admin@example.com", action: "report.retry", target: failed.id, detail: { outcome: "refused", reason: "Nope" } },
    });

    const empty = await render("console");
    expect(empty).toContain("<h1>Admin console</h1>");
    const label = /<label for="([^"]+)">Report id, campaign id, schedule id or email address<\/label><input id="([^"]+)"/.exec(empty);
    expect(label?.[1]).toBe(label?.[2]);
    expect(empty).toContain('aria-current="page"');
    expect(empty).toContain('href="/admin/users"');
    expect(empty).toContain('href="/admin/queues"');

    const found = await render("console", { q: "PAT@example.com" });
    expect(found).toContain(`href="/reports/${failed.id}"`);
    expect(found).toContain(`aria-label="Select Sales summary of pat@example.com (${failed.id})"`);
    expect(found).toContain("Retry selected");
    expect(found).toContain("Cancel selected");
    expect(await render("console", { q: "what?" })).toContain("is neither an id nor an email address");

    const failures = await render("failures", { window: "1h" });
    expect(failures).toMatch(/<label for="failures-window">Finished in<\/label><select id="failures-window"/);
    expect(failures).toContain("Mail server unreachable");
    expect(failures).toContain("1 failed in the last hour, 1 reason");
    expect(failures).toContain("3 attempts");
    expect(await render("failures", { window: "bogus" })).toContain("in the last 24 hours");

    const stuck = await render("stuck");
    expect(stuck).toContain("No live job (1)");
    expect(stuck).toContain(`href="/reports/${lost.id}"`);

    const audit = await render("audit");
    expect(audit).toContain(`<a href="/reports/${failed.id}">${failed.id}</a>`);
    expect(audit).toMatch(/Refused<\/span> Nope/);
  });
});
