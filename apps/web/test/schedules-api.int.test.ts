// /api/schedules and the one-click unsubscribe, through the real route handlers
// on a scratch database: the contract (201 {id, nextRunAt}, GET with runs,
// PATCH, DELETE 204), 400s naming fields, the per-user cap, someone else's
// schedule as absent as a missing one, and the signed unsubscribe link.
import { unsubscribeUrl } from "@backline/schedules";
import { TEST_SECRETS } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebApp, type WebApp } from "./web-app.ts";

let app: WebApp;
let ana: string;
let ben: string;

beforeAll(async () => {
  app = await startWebApp({ MAX_SCHEDULES_PER_USER: "3" });
  ana = await app.signIn("ana@example.com");
  ben = await app.signIn("ben@example.com");
});
afterAll(() => app?.close());

const json = (method: string, path: string, body: unknown, cookie = ana) =>
  app.fetch(path, { method, cookie, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const weekly = { type: "sales-summary", params: { groupBy: "day" }, cron: "0 8 * * 1", timeZone: "Europe/Berlin", relative: { range: "previous-week" } };

describe("/api/schedules", () => {
  it("creates (201 with id, nextRunAt and the next runs in its zone), reads, changes, pauses, resumes and deletes a schedule", async () => {
    const created = await json("POST", "/api/schedules", weekly);
    expect(created.status).toBe(201);
    const body = await created.json();
    expect(body).toMatchObject({ id: expect.any(String), timeZone: "Europe/Berlin", paused: false, repeats: "At 08:00, only on Monday", runs: [] });
    expect(created.headers.get("location")).toBe(`/api/schedules/${body.id}`);
    // Monday 08:00 in Berlin, whatever the offset that day.
    expect(new Date(body.nextRunAt).getTime()).toBeGreaterThan(Date.now());
    expect(body.upcoming).toHaveLength(3);
    for (const u of body.upcoming) {
      expect(u.occurrence).toMatch(/T08:00$/);
      expect(new Date(u.occurrence + "Z").getUTCDay()).toBe(1);
    }

    const read = await app.fetch(`/api/schedules/${body.id}`, { cookie: ana });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: body.id, paused: false, nextRunAt: body.nextRunAt, runs: [] });
    expect((await (await app.fetch("/api/schedules", { cookie: ana })).json()).items.map((s: { id: string }) => s.id)).toContain(body.id);

    const changed = await json("PATCH", `/api/schedules/${body.id}`, { cron: "30 7 * * 1-5", skipIfEmpty: true });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ cron: "30 7 * * 1-5", skipIfEmpty: true, repeats: "At 07:30, Monday through Friday" });

    expect(await (await json("PATCH", `/api/schedules/${body.id}`, { paused: true })).json()).toMatchObject({ paused: true, nextRunAt: null, upcoming: [] });
    expect(await (await json("PATCH", `/api/schedules/${body.id}`, { paused: false })).json()).toMatchObject({ paused: false, nextRunAt: expect.any(String) });

    const deleted = await app.fetch(`/api/schedules/${body.id}`, { method: "DELETE", cookie: ana });
    expect(deleted.status).toBe(204);
    expect((await app.fetch(`/api/schedules/${body.id}`, { cookie: ana })).status).toBe(404);
  });

  it("answers 400 naming the field: cron, more often than a minute, zone, type, params, relative range, unknown field", async () => {
    const cases: [object, string][] = [
      [{ cron: "not cron" }, "cron"],
      [{ cron: "*/10 * * * * *" }, "cron"],
      [{ timeZone: "Mars/Olympus_Mons" }, "timeZone"],
      [{ type: "nope" }, "type"],
      [{ params: { groupBy: "year" } }, "params.groupBy"],
      [{ type: "customer-statement", params: {}, relative: { range: "previous-day" } }, "relative.range"],
      [{ colour: "red" }, "colour"],
    ];
    for (const [patch, path] of cases) {
      const response = await json("POST", "/api/schedules", { ...weekly, ...patch });
      expect(response.status, JSON.stringify(patch)).toBe(400);
      expect((await response.json()).issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect(await app.db.schedule.count()).toBe(0);
    // Every minute is allowed: a schedule can be watched end to end in minutes.
    const everyMinute = await json("POST", "/api/schedules", { ...weekly, cron: "* * * * *" });
    expect(everyMinute.status).toBe(201);
    await app.fetch(`/api/schedules/${(await everyMinute.json()).id}`, { method: "DELETE", cookie: ana });
  });

  it("caps schedules per user (429 + Retry-After), and someone else's schedule is 404 everywhere", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await (await json("POST", "/api/schedules", weekly)).json()).id);
    const over = await json("POST", "/api/schedules", weekly);
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBeTruthy();

    const id = ids[0]!;
    expect((await app.fetch(`/api/schedules/${id}`, { cookie: ben })).status).toBe(404);
    expect((await json("PATCH", `/api/schedules/${id}`, { paused: true }, ben)).status).toBe(404);
    expect((await app.fetch(`/api/schedules/${id}`, { method: "DELETE", cookie: ben })).status).toBe(404);
    expect((await (await app.fetch("/api/schedules", { cookie: ben })).json()).items).toEqual([]);
    expect((await app.fetch(`/api/schedules/${id}`)).status).toBe(401);
    for (const s of ids) await app.fetch(`/api/schedules/${s}`, { method: "DELETE", cookie: ana });
  });
});

describe("one-click unsubscribe", () => {
  it("a GET only shows the page; the RFC 8058 POST pauses the schedule without a sign-in; a forged link changes nothing", async () => {
    const { id } = await (await json("POST", "/api/schedules", weekly)).json();
    const link = new URL(unsubscribeUrl("http://app.test", id, { secret: TEST_SECRETS.DOWNLOAD_LINK_SECRET }));
    const path = `${link.pathname}${link.search}`;
    const oneClick = { "content-type": "application/x-www-form-urlencoded" };

    const page = await app.fetch(path);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Pause this schedule");
    expect((await app.db.schedule.findUniqueOrThrow({ where: { id } })).paused).toBe(false);

    const forged = await app.fetch(`${link.pathname}?sig=${"A".repeat(43)}`, { method: "POST", headers: oneClick, body: "List-Unsubscribe=One-Click" });
    expect(forged.status).toBe(404);
    const otherSchedule = `/schedules/0193a7c2-5b7e-7c3a-9d1e-3f5a2b1c4d6e/unsubscribe${link.search}`;
    expect((await app.fetch(otherSchedule, { method: "POST", headers: oneClick, body: "List-Unsubscribe=One-Click" })).status).toBe(404);
    expect((await app.fetch(path, { method: "POST", headers: oneClick, body: "" })).status).toBe(400);
    expect((await app.db.schedule.findUniqueOrThrow({ where: { id } })).paused).toBe(false);

    const done = await app.fetch(path, { method: "POST", headers: oneClick, body: "List-Unsubscribe=One-Click" });
    expect(done.status).toBe(200);
    expect(await app.db.schedule.findUniqueOrThrow({ where: { id } })).toMatchObject({ paused: true, pausedReason: expect.stringMatching(/unsubscribe/) });
  });
});
