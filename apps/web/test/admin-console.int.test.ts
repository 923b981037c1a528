// The admin console's routes (/api/admin/*, /admin/queues) on a real database
// and Redis: to anyone but an admin, signed in or not, every admin route is a
// 404; the search box finds reports, campaign recipients and schedule runs;
// failures are grouped by reason within a window; bulk retry and cancel go
// through the report service's commands, each answered done or refused with
// the reason; stuck reports are those without a live job (and those slower
// than their type's p99); the reconciler's re-adds and every admin action land
// in the audit log; Bull Board serves its page and files from this origin
// under its own CSP, and refuses actions while read-only.
import { randomUUID } from "node:crypto";
import { createReport, ensureUser, type ReportStatus } from "@backline/db";
import { QUEUES, createProducerQueue, createRedis, enqueue } from "@backline/queue";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReconciler } from "../../worker/src/reconciler.ts";
import { APP_URL, appRoutes, startWebApp, type WebApp } from "./web-app.ts";

const ADMIN = "root@example.com";
let app: WebApp;
let queue: Queue;
let signInQueue: Queue;
let admin: string;
let member: string;

beforeAll(async () => {
  app = await startWebApp({ ADMIN_EMAILS: ADMIN });
  queue = createProducerQueue(QUEUES.reports, { redisUrl: process.env.REDIS_URL!, prefix: app.prefix });
  signInQueue = createProducerQueue(QUEUES.signIn, { redisUrl: process.env.REDIS_URL!, prefix: app.prefix });
  admin = await app.signIn(ADMIN);
  member = await app.signIn("mo@example.com");
});
afterAll(async () => {
  await queue?.close();
  await signInQueue?.close();
  await app?.close();
});

const get = (path: string, cookie = admin) => app.fetch(path, { cookie });
const post = (path: string, json: unknown, cookie = admin) => app.fetch(path, { method: "POST", headers: { origin: APP_URL }, cookie, json });
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

/** A report of `email`'s, moved to `status` directly in the database (finished `finishedAt`, with `reason` when failed). */
async function report(email: string, status: ReportStatus = "queued", extra: { reason?: string; finishedAt?: Date; startedAt?: Date; type?: string } = {}) {
  const row = await createReport(app.db, { type: extra.type ?? "sales-summary", params: {}, owner: await ensureUser(app.db, email) });
  if (status === "queued") return row.id;
  const finished = !["generating", "emailing"].includes(status);
  await app.db.report.update({
    where: { id: row.id },
    data: {
      status,
      attempts: 1,
      failureReason: extra.reason ?? null,
      startedAt: extra.startedAt ?? (status === "cancelled" ? null : minutesAgo(1)),
      finishedAt: finished ? (extra.finishedAt ?? new Date()) : null,
    },
  });
  return row.id;
}

describe("who may use the console", () => {
  it("answers 404 to anonymous visitors and non-admins on every admin route and method, the queue dashboard included", async () => {
    const routes = appRoutes().filter((r) => /^(api\/)?admin\//.test(r.file));
    expect(routes.map((r) => r.file)).toEqual(
      expect.arrayContaining([
        "api/admin/search/route.ts",
        "api/admin/failures/route.ts",
        "api/admin/stuck/route.ts",
        "api/admin/audit/route.ts",
        "api/admin/reports/bulk/route.ts",
        "admin/queues/[[...path]]/route.ts",
      ]),
    );
    const id = await report("victim@example.com", "failed", { reason: "Boom" });
    for (const route of routes) {
      const path = `/${route.file.replace(/\/route\.ts$/, "")}`.replace(/\[\[\.\.\.[^\]]+\]\]/, "static/js/x.js").replace(/\[[^\]]+\]/g, randomUUID());
      const handlers = await route.load();
      for (const method of Object.keys(handlers).filter((m) => /^[A-Z]+$/.test(m))) {
        for (const cookie of [undefined, member]) {
          const body = method === "GET" || method === "HEAD" ? undefined : { action: "retry", ids: [id], email: "x@example.com" };
          const response = await app.fetch(path, { method, headers: { origin: APP_URL }, cookie, ...(body ? { json: body } : {}) });
          expect(response.status, `${method} ${path} as ${cookie ? "a member" : "nobody"}`).toBe(404);
        }
      }
    }
    for (const path of ["/admin/queues", "/admin/queues/api/queues", "/admin/queues/static/images/logo.svg"]) {
      expect((await get(path, member)).status, path).toBe(404);
      expect((await get(path, "")).status, path).toBe(404);
    }
    expect((await app.db.report.findUniqueOrThrow({ where: { id } })).status).toBe("failed");
    expect(await app.db.auditEntry.count()).toBe(0);
  });
});

describe("search", () => {
  it("recognises a report id, an address, a campaign id and a schedule id", async () => {
    const owner = await ensureUser(app.db, "finder@example.com");
    const first = await report("finder@example.com", "sent");
    const second = await report("finder@example.com", "failed", { reason: "Mail server unreachable" });
    await report("someone-else@example.com", "sent");

    const byId = await (await get(`/api/admin/search?q=${first.toUpperCase()}`)).json();
    expect(byId).toMatchObject({ kind: "id", reports: [{ id: first, ownerEmail: "finder@example.com", status: "sent" }], campaign: null, schedule: null });

    const byAddress = await (await get("/api/admin/search?q=%20Finder@Example.com%20")).json();
    expect(byAddress.kind).toBe("address");
    expect(byAddress.reports.map((r: { id: string }) => r.id)).toEqual([second, first]); // newest first
    expect(byAddress.reports[0]).toMatchObject({ status: "failed", failureReason: "Mail server unreachable" });

    const campaign = await app.db.campaign.create({
      data: {
        createdBy: owner.id,
        type: "customer-statement",
        params: {},
        audience: { kind: "all-customers" },
        status: "completed",
        total: 2,
        startAt: new Date(),
      },
    });
    await app.db.campaignRecipient.createMany({
      data: [
        { campaignId: campaign.id, customerId: 1, email: "finder@example.com", status: "sent", sentAt: new Date() },
        { campaignId: campaign.id, customerId: 2, email: "other@example.com", status: "failed", failureReason: "Mailbox full" },
      ],
    });
    const recipientByAddress = await (await get("/api/admin/search?q=finder@example.com")).json();
    expect(recipientByAddress.recipients).toEqual([expect.objectContaining({ campaignId: campaign.id, customerId: 1, status: "sent" })]);
    const byCampaign = await (await get(`/api/admin/search?q=${campaign.id}`)).json();
    expect(byCampaign.campaign).toMatchObject({ id: campaign.id, status: "completed", total: 2 });
    expect(byCampaign.recipients.map((r: { email: string; status: string }) => [r.email, r.status])).toEqual([
      ["finder@example.com", "sent"],
      ["other@example.com", "failed"],
    ]);

    const schedule = await app.db.schedule.create({
      data: { userId: owner.id, type: "sales-summary", params: {}, cron: "0 8 * * 1", timeZone: "Europe/Berlin" },
    });
    const runReport = await report("finder@example.com", "failed", { reason: "Report data missing" });
    await app.db.report.update({ where: { id: runReport }, data: { scheduleId: schedule.id, occurrence: new Date("2026-11-30T08:00:00Z") } });
    await app.db.scheduleRun.createMany({
      data: [
        { scheduleId: schedule.id, occurrence: new Date("2026-11-23T08:00:00Z"), dueAt: new Date("2026-11-23T07:00:00Z"), missed: true },
        { scheduleId: schedule.id, occurrence: new Date("2026-11-30T08:00:00Z"), dueAt: new Date("2026-11-30T07:00:00Z"), reportId: runReport },
      ],
    });
    const bySchedule = await (await get(`/api/admin/search?q=${schedule.id}`)).json();
    expect(bySchedule.schedule).toMatchObject({ id: schedule.id, ownerEmail: "finder@example.com", timeZone: "Europe/Berlin", paused: false });
    expect(bySchedule.runs).toEqual([
      expect.objectContaining({ reportId: runReport, reportStatus: "failed", failureReason: "Report data missing", missed: false }),
      expect.objectContaining({ reportId: null, reportStatus: null, missed: true }),
    ]);

    for (const q of ["", "not an id", randomUUID()]) {
      const nothing = await (await get(`/api/admin/search?q=${encodeURIComponent(q)}`)).json();
      expect([nothing.reports, nothing.recipients, nothing.runs, nothing.campaign, nothing.schedule]).toEqual([[], [], [], null, null]);
    }
  });
});

describe("failures by reason", () => {
  it("counts each reason's failures within the window, most frequent first, with the latest examples", async () => {
    await app.db.report.deleteMany({ where: { status: "failed" } });
    const recent = [];
    for (let i = 0; i < 3; i++)
      recent.push(await report("f@example.com", "failed", { reason: "SMTP 550 mailbox unavailable", finishedAt: minutesAgo(10 + i) }));
    for (let i = 0; i < 2; i++) await report("f@example.com", "failed", { reason: "Report data missing", finishedAt: minutesAgo(5 * 60 + i) });
    await report("f@example.com", "failed", { reason: "SMTP 550 mailbox unavailable", finishedAt: minutesAgo(3 * 24 * 60) });
    await report("f@example.com", "failed", { reason: "Too old to count", finishedAt: minutesAgo(8 * 24 * 60) });
    await report("f@example.com", "sent");

    const groups = async (window: string) =>
      ((await (await get(`/api/admin/failures?window=${window}`)).json()).groups as { reason: string; count: number }[]).map((g) => [g.reason, g.count]);
    expect(await groups("1h")).toEqual([["SMTP 550 mailbox unavailable", 3]]);
    expect(await groups("24h")).toEqual([
      ["SMTP 550 mailbox unavailable", 3],
      ["Report data missing", 2],
    ]);
    expect(await groups("7d")).toEqual([
      ["SMTP 550 mailbox unavailable", 4],
      ["Report data missing", 2],
    ]);
    const hour = await (await get("/api/admin/failures?window=1h")).json();
    expect(hour.groups[0].examples.map((r: { id: string }) => r.id)).toEqual(recent); // newest first
    expect(hour.groups[0].examples[0]).toMatchObject({ ownerEmail: "f@example.com", status: "failed" });
    const bad = await get("/api/admin/failures?window=2w");
    expect(bad.status).toBe(400);
    expect((await bad.json()).issues[0].path).toBe("window");
  });
});

describe("bulk retry and cancel", () => {
  it("retries failed reports (queued again, with their jobs) and says why for the rest, each in the audit log", async () => {
    const failed = [await report("b@example.com", "failed", { reason: "x" }), await report("b@example.com", "failed", { reason: "y" })];
    const sent = await report("b@example.com", "sent");
    const response = await post("/api/admin/reports/bulk", { action: "retry", ids: [...failed, sent] });
    expect(response.status).toBe(200);
    expect((await response.json()).results).toEqual([
      { id: failed[0], outcome: "done", status: "queued" },
      { id: failed[1], outcome: "done", status: "queued" },
      { id: sent, outcome: "refused", reason: "A sent report can't be retried; only failed or cancelled ones can." },
    ]);
    for (const id of failed) {
      expect((await app.db.report.findUniqueOrThrow({ where: { id } })).status).toBe("queued");
      expect((await queue.getJob(id))?.data).toEqual({ reportId: id });
    }
    const entries = await app.db.auditEntry.findMany({ where: { action: "report.retry", target: { in: [...failed, sent] } }, orderBy: { id: "asc" } });
    expect(entries.map((e) => [e.actor, e.target, (e.detail as { outcome: string }).outcome])).toEqual([
      [ADMIN, failed[0], "done"],
      [ADMIN, failed[1], "done"],
      [ADMIN, sent, "refused"],
    ]);
  });

  it("cancels queued reports and refuses sent ones with the reason", async () => {
    const queued = await report("c@example.com");
    await enqueue(queue, "generate-report", { reportId: queued }, { jobId: queued });
    const sent = await report("c@example.com", "sent");
    const results = (await (await post("/api/admin/reports/bulk", { action: "cancel", ids: [queued, sent] })).json()).results;
    expect(results).toEqual([
      { id: queued, outcome: "done", status: "cancelled" },
      { id: sent, outcome: "refused", reason: "A sent report can't be cancelled; only queued or generating ones can." },
    ]);
    expect((await app.db.report.findUniqueOrThrow({ where: { id: queued } })).status).toBe("cancelled");
    expect(await queue.getJob(queued)).toBeUndefined();
    expect((await app.db.report.findUniqueOrThrow({ where: { id: sent } })).status).toBe("sent");
  });

  it("validates the request, naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ action: "delete", ids: [randomUUID()] }, "action"],
      [{ action: "retry", ids: [] }, "ids"],
      [{ action: "retry", ids: ["nope"] }, "ids.0"],
      [{ action: "retry", ids: Array.from({ length: 101 }, () => randomUUID()) }, "ids"],
      [{ action: "retry", ids: [randomUUID()], all: true }, "all"],
    ];
    for (const [body, field] of cases) {
      const response = await post("/api/admin/reports/bulk", body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect((await response.json()).issues.map((i: { path: string }) => i.path)).toContain(field);
    }
    const missing = randomUUID();
    expect((await (await post("/api/admin/reports/bulk", { action: "retry", ids: [missing] })).json()).results).toEqual([
      { id: missing, outcome: "refused", reason: "Report not found" },
    ]);
  });
});

describe("stuck", () => {
  it("lists a queued report whose job was removed from Redis (and not one whose job is alive), and reports slower than their type's p99", async () => {
    const lost = await report("s@example.com");
    const alive = await report("s@example.com");
    for (const id of [lost, alive]) await enqueue(queue, "generate-report", { reportId: id }, { jobId: id });
    await queue.remove(lost);
    await app.db.report.updateMany({ where: { id: { in: [lost, alive] } }, data: { updatedAt: minutesAgo(1) } });

    // Twelve sent reports of one type took 2 s each; one has been generating for ten minutes.
    for (let i = 0; i < 12; i++) await report("s@example.com", "sent", { type: "customer-statement", startedAt: new Date(Date.now() - 2000) });
    const slow = await report("s@example.com", "generating", { type: "customer-statement", startedAt: minutesAgo(10) });

    const stuck = await (await get("/api/admin/stuck")).json();
    const ids = stuck.withoutJob.map((r: { id: string }) => r.id);
    expect(ids).toContain(lost);
    expect(ids).not.toContain(alive);
    expect(stuck.p99["customer-statement"]).toBeCloseTo(2, 0);
    expect(stuck.slow).toEqual([expect.objectContaining({ id: slow, why: "slow", p99Seconds: stuck.p99["customer-statement"] })]);
    expect(stuck.slow[0].runningSeconds).toBeGreaterThanOrEqual(600);
  });

  it("shows what the reconciler re-added, from its audit entries", async () => {
    await app.db.report.updateMany({ where: { status: { in: ["queued", "generating", "emailing"] } }, data: { status: "cancelled" } });
    const orphan = await report("r@example.com");
    await app.db.report.update({ where: { id: orphan }, data: { updatedAt: minutesAgo(1) } });
    const redis = createRedis(process.env.REDIS_URL!, "worker");
    const reconciler = startReconciler({
      db: app.db,
      prefix: app.prefix,
      databaseUrl: process.env.DATABASE_URL!,
      queue,
      signInQueue,
      redis,
      log: pino({ level: "silent" }),
      intervalMs: 60_000,
      graceMs: 0,
      workerId: "test-reconciler",
    });
    try {
      expect(await reconciler.tick()).toBe(1);
    } finally {
      await reconciler.stop();
      redis.disconnect();
    }
    expect((await queue.getJob(orphan))?.data).toEqual({ reportId: orphan });
    const stuck = await (await get("/api/admin/stuck")).json();
    expect(stuck.withoutJob.map((r: { id: string }) => r.id)).not.toContain(orphan);
    expect(stuck.reconciler[0]).toMatchObject({ actor: "reconciler", action: "reconciler.requeue", target: orphan, detail: { queue: "reports" } });
    // The reconciler's entries are not admins' actions.
    const audit = await (await get("/api/admin/audit")).json();
    expect(audit.items.some((e: { actor: string }) => e.actor === "reconciler")).toBe(false);
  });
});

describe("the audit log", () => {
  it("records invitations, removals and campaign commands with actor, time, target and outcome, newest first", async () => {
    expect((await post("/api/admin/users/invitations", { email: "guest@partner.org" })).status).toBe(201);
    expect((await post("/api/admin/users/invitations/cancel", { email: "guest@partner.org" })).status).toBe(200);
    const gone = await ensureUser(app.db, "gone@example.com");
    expect((await app.fetch(`/api/admin/users/${gone.id}/remove`, { method: "POST", headers: { origin: APP_URL }, cookie: admin })).status).toBe(200);
    const campaign = randomUUID();
    expect((await app.fetch(`/api/campaigns/${campaign}/pause`, { method: "POST", headers: { origin: APP_URL }, cookie: admin })).status).toBe(404);

    const { items } = await (await get("/api/admin/audit")).json();
    const latest = items.slice(0, 4).map((e: { actor: string; action: string; target: string; detail: unknown }) => [e.actor, e.action, e.target, e.detail]);
    expect(latest).toEqual([
      [ADMIN, "campaign.pause", campaign, { outcome: "refused", reason: "Campaign not found", status: 404 }],
      [ADMIN, "user.remove", "gone@example.com", { outcome: "done", reportsCancelled: 0 }],
      [ADMIN, "user.cancel-invitation", "guest@partner.org", { outcome: "done" }],
      [ADMIN, "user.invite", "guest@partner.org", { outcome: "done", restored: false }],
    ]);
    expect(Date.parse(items[0].at)).toBeGreaterThan(Date.now() - 60_000);
    const page = await (await get(`/api/admin/audit?before=${items[1].id}`)).json();
    expect(page.items[0].id).toBe(items[2].id);
  });
});

describe("the queue dashboard (Bull Board)", () => {
  it("serves an admin its page and its static files from this origin, under its own CSP", async () => {
    const page = await get("/admin/queues");
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-eval");
    const html = await page.text();
    expect(html).toContain('<base href="/admin/queues/"');
    expect(html).not.toMatch(/https?:\/\//); // nothing from elsewhere (its Google Fonts link is dropped)
    const assets = [...html.matchAll(/(?:src|href)="(static\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    expect(assets.some((a) => a.endsWith(".css"))).toBe(true);
    for (const asset of assets) {
      const file = await get(`/admin/queues/${asset}`);
      expect(file.status, asset).toBe(200);
      expect(file.headers.get("content-type"), asset).toMatch(/javascript|css|image/);
    }
    // @bull-board/ui's own package.json is two folders up from its static files: out of reach.
    expect((await get("/admin/queues/static/..%2f..%2fpackage.json")).status).toBe(404);
    expect((await get("/admin/queues/static/js%2f..%2f..%2f..%2fpackage.json")).status).toBe(404);
  });

  it("shows every queue under this deployment's prefix, read-only", async () => {
    const id = await report("q@example.com");
    await enqueue(queue, "generate-report", { reportId: id }, { jobId: id, delay: 60_000 });
    const listing = await (await get("/admin/queues/api/queues?activeQueue=reports&status=delayed&page=1")).json();
    const queues = listing.queues as { name: string; readOnlyMode: boolean; counts: Record<string, number>; jobs: { id: string }[] }[];
    expect(queues.map((q) => q.name).sort()).toEqual(Object.values(QUEUES).sort());
    expect(queues.every((q) => q.readOnlyMode)).toBe(true);
    const reports = queues.find((q) => q.name === "reports")!;
    expect(reports.counts.delayed).toBeGreaterThanOrEqual(1);
    expect(reports.jobs.map((j) => j.id)).toContain(id);
  });

  it("refuses actions (retry, clean) while read-only", async () => {
    const id = await report("q@example.com");
    const job = await enqueue(queue, "generate-report", { reportId: id }, { jobId: id, delay: 60_000 });
    for (const [method, path] of [
      ["PUT", `/admin/queues/api/queues/reports/${id}/retry`],
      ["PUT", `/admin/queues/api/queues/reports/${id}/clean`],
      ["PUT", "/admin/queues/api/queues/reports/clean/delayed"],
      ["PUT", "/admin/queues/api/queues/reports/retry/failed"],
      ["POST", "/admin/queues/api/queues/reports/add"],
    ] as const) {
      const response = await app.fetch(path, { method, headers: { origin: APP_URL }, cookie: admin, json: {} });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    }
    expect(await job.getState()).toBe("delayed");
    expect(await app.db.auditEntry.count({ where: { action: { startsWith: "queue-dashboard." } } })).toBe(0);
  });
});
