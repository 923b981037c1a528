// Abuse limits through the real routes, counted in real Redis: a burst over a
// limit gets 429 with Retry-After and writes nothing; per user, per client
// address, per sign-in address; the cap on reports in flight.
import { createReport } from "@backline/db";
import { listKeys } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

let app: WebApp;
beforeAll(async () => {
  app = await startWebApp({
    REPORTS_PER_USER_PER_MINUTE: "4",
    REPORTS_PER_IP_PER_MINUTE: "6",
    MAX_REPORTS_IN_FLIGHT_PER_USER: "3",
    SIGN_IN_EMAILS_PER_ADDRESS_PER_HOUR: "2",
    SIGN_IN_REQUESTS_PER_IP_PER_HOUR: "50",
    DOWNLOAD_LINKS_PER_USER_PER_HOUR: "2",
  });
});
afterAll(() => app?.close());

const create = (cookie: string, ip: string) =>
  app.fetch("/api/reports", { method: "POST", cookie, headers: { "x-forwarded-for": ip }, json: { type: "sales-summary", params: { groupBy: "month" } } });
const cancelAll = async (cookie: string) => {
  const list = await (await app.fetch("/api/reports?status=queued", { cookie })).json();
  for (const r of list.items as { id: string }[]) await app.fetch(`/api/reports/${r.id}/cancel`, { method: "POST", cookie });
};

async function expect429(response: Response, what: RegExp) {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  expect((await response.json()).error).toMatch(what);
  return retryAfter;
}

describe("report creation limits", () => {
  it("per user: the fifth report in a minute gets 429 with Retry-After, from any address, and writes nothing", async () => {
    const ana = await app.signIn("ana@example.com");
    for (let i = 0; i < 4; i++) {
      expect((await create(ana, `192.0.2.${i}`)).status).toBe(202);
      await cancelAll(ana); // stay under the in-flight cap: only the rate is tested here
    }
    const rows = await app.db.report.count();
    const retryAfter = await expect429(await create(ana, "192.0.2.99"), /at most 4 reports per minute for your account/);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await app.db.report.count()).toBe(rows);
    // Someone else is unaffected.
    expect((await create(await app.signIn("bea@example.com"), "192.0.2.100")).status).toBe(202);
  });

  it("per client address: several accounts behind one address share its limit; a refusal costs the account nothing", async () => {
    const ip = "198.51.100.7";
    const cal = await app.signIn("cal@example.com");
    const dee = await app.signIn("dee@example.com");
    for (let i = 0; i < 3; i++) expect((await create(cal, ip)).status).toBe(202);
    await cancelAll(cal);
    for (let i = 0; i < 3; i++) expect((await create(dee, ip)).status).toBe(202);
    await cancelAll(dee);
    await expect429(await create(dee, ip), /reports per minute from your network address/);
    expect((await create(dee, "198.51.100.8")).status).toBe(202);
  });

  it("holds the cap on reports in flight under a concurrent burst", async () => {
    const eve = await app.signIn("eve@example.com");
    const burst = await Promise.all(Array.from({ length: 4 }, (_, i) => create(eve, `203.0.113.${i}`)));
    expect(burst.map((r) => r.status).sort()).toEqual([202, 202, 202, 429]);
    const refused = burst.find((r) => r.status === 429)!;
    expect(refused.headers.get("retry-after")).toBe("30");
    expect((await refused.json()).error).toBe("You already have 3 reports in progress; wait for one to finish");
    const user = await app.db.user.findUniqueOrThrow({ where: { email: "eve@example.com" } });
    expect(await app.db.report.count({ where: { userId: user.id } })).toBe(3);
  });

  it("counts a retry against the cap on reports in flight (429 with Retry-After, the report stays cancelled)", async () => {
    const hal = await app.signIn("hal@example.com");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await (await create(hal, `203.0.113.${10 + i}`)).json()).id);
    expect((await app.fetch(`/api/reports/${ids[0]}/cancel`, { method: "POST", cookie: hal })).status).toBe(200);
    // At the cap again with one cancelled; written directly, as a fourth request would spend hal's last point for the minute.
    await createReport(app.db, {
      type: "sales-summary",
      params: {},
      owner: { id: (await app.db.user.findUniqueOrThrow({ where: { email: "hal@example.com" } })).id, email: "hal@example.com" },
    });
    const refused = await app.fetch(`/api/reports/${ids[0]}/retry`, { method: "POST", headers: { "x-forwarded-for": "203.0.113.14" }, cookie: hal });
    expect(refused.headers.get("retry-after")).toBe("30");
    await expect429(refused, /3 reports in progress/);
    expect((await app.db.report.findUniqueOrThrow({ where: { id: ids[0] } })).status).toBe("cancelled");
  });

  it("limits retries like new requests: a cancel-and-retry loop runs out of the minute's points", async () => {
    const ivy = await app.signIn("ivy@example.com");
    const { id } = await (await create(ivy, "203.0.113.20")).json();
    const cycle = async (i: number) => {
      expect((await app.fetch(`/api/reports/${id}/cancel`, { method: "POST", cookie: ivy })).status).toBe(200);
      return app.fetch(`/api/reports/${id}/retry`, { method: "POST", headers: { "x-forwarded-for": `203.0.113.${21 + i}` }, cookie: ivy });
    };
    for (let i = 0; i < 3; i++) expect((await cycle(i)).status).toBe(200);
    await expect429(await cycle(3), /at most 4 reports per minute for your account/);
    expect((await app.db.report.findUniqueOrThrow({ where: { id } })).status).toBe("cancelled");
  });
});

describe("download link limits", () => {
  it("a third fresh link in the hour gets 429 and writes no row", async () => {
    const jo = await app.signIn("jo@example.com");
    const { id } = await (await create(jo, "203.0.113.40")).json();
    const ask = () => app.fetch(`/api/reports/${id}/download-links`, { method: "POST", cookie: jo });
    for (let i = 0; i < 2; i++) expect((await ask()).status).toBe(201);
    const rows = await app.db.downloadLink.count({ where: { reportId: id } });
    await expect429(await ask(), /at most 2 new download links per hour for your account/);
    expect(await app.db.downloadLink.count({ where: { reportId: id } })).toBe(rows);
  });
});

describe("sign-in link limits", () => {
  it("the third link in an hour to one address gets 429; other addresses still get theirs", async () => {
    const ask = (email: string) =>
      app.fetch("/api/auth/sign-in/magic-link", { method: "POST", headers: { origin: APP_URL, "x-forwarded-for": "192.0.2.200" }, json: { email } });
    expect((await ask("fay@example.com")).status).toBe(200);
    expect((await ask("FAY@example.com")).status).toBe(200); // the same address, however capitalised
    await expect429(await ask("fay@example.com"), /at most 2 sign-in emails per hour to this address/);
    expect(await app.db.signInEmail.count({ where: { email: "fay@example.com" } })).toBe(2);
    expect((await ask("gil@example.com")).status).toBe(200);
    // The counters' keys are hashed: Redis holds neither the addresses nor the network address.
    const keys = await listKeys(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", `${app.prefix}:rate:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => /fay@|gil@|192\.0\.2\.200/.test(k))).toEqual([]);
  });
});
