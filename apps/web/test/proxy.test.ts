// The proxy in front of every route, for a site served over https: HSTS on
// every answer, CSRF refusals, and which paths get which CSP.
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";

const APP_URL = "https://backline.example";
let proxy: (request: NextRequest) => Response;
beforeAll(async () => {
  process.env.APP_URL = APP_URL;
  ({ proxy } = await import("../proxy.ts"));
});

const request = (path: string, init: { method?: string; origin?: string } = {}) =>
  new NextRequest(new URL(path, APP_URL), { method: init.method ?? "GET", headers: init.origin ? { origin: init.origin } : {} });

describe("proxy over https", () => {
  it("sends Strict-Transport-Security on pages, the API, downloads and refusals", () => {
    const answers = [
      request("/"),
      request("/api/reports"),
      request("/reports/0190a0a0-0000-7000-8000-000000000000/download"),
      request("/api/reports", { method: "POST" }),
    ].map(proxy);
    expect(answers.map((r) => r.headers.get("strict-transport-security"))).toEqual(Array(4).fill("max-age=31536000"));
  });

  it("refuses a state change from another origin or none (403 naming Origin), and passes our own", async () => {
    for (const origin of [undefined, "https://evil.example", "http://backline.example", "null"]) {
      const refused = proxy(request("/api/reports", { method: "POST", origin }));
      expect(refused.status).toBe(403);
      expect((await refused.json()).issues).toEqual([{ path: "Origin", message: `Expected ${APP_URL}` }]);
    }
    expect(proxy(request("/api/reports", { method: "POST", origin: APP_URL })).status).toBe(200);
  });

  it("lets a mail provider's one-click unsubscribe POST through without our Origin (its signed link is the permission), and nothing else", () => {
    const unsubscribe = "/schedules/0190a0a0-0000-7000-8000-000000000000/unsubscribe?sig=x";
    expect(proxy(request(unsubscribe, { method: "POST" })).status).toBe(200);
    expect(proxy(request(unsubscribe, { method: "POST", origin: "https://mail.example" })).status).toBe(200);
    expect(proxy(request(unsubscribe)).headers.get("content-security-policy")).toBeNull(); // the route sets its own
    for (const path of ["/schedules/x/unsubscribe/more", "/api/schedules/0190a0a0-0000-7000-8000-000000000000", "/schedules/a/b/unsubscribe"]) {
      expect(proxy(request(path, { method: "POST" })).status, path).toBe(403);
    }
  });

  it("leaves the CSP to the download route only; any other path ending in /download is a page and gets the nonce CSP", () => {
    expect(proxy(request("/reports/0190a0a0-0000-7000-8000-000000000000/download")).headers.get("content-security-policy")).toBeNull();
    for (const path of ["/download", "/x/download", "/reports/a/b/download"]) {
      expect(proxy(request(path)).headers.get("content-security-policy")).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    }
    expect(proxy(request("/api/reports")).headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
  });
});

describe("proxy: malformed percent-encoding and control characters", () => {
  const BAD = ["%ff", "%ff%fe", "%c0%af", "%e0%80%af", "%ed%a0%80", "%f8%88%80%80%80", "%c3", "%", "%zz", "%00", "a%00b", "%0d%0a", "%7f"];
  const ID = "0190a0a0-0000-7000-8000-000000000000";
  // Every path segment of every route shape, and every query name and value.
  const routes = ["/reports/{}", "/api/reports/{}", "/api/reports/{}/events", `/reports/${ID}/{}`, "/{}", "/api/{}/x", "/sign-in/{}"];
  const queries = [
    "/sign-in?next={}",
    "/api/reports?status={}",
    `/api/reports/${ID}?sinceEvent={}`,
    `/reports/${ID}/download?sig={}&user=1`,
    "/api/reports?{}=1",
    "/?a=1&{}",
  ];

  it("answers 400 to any path segment that is not valid UTF-8 or holds a control character, signed in or not, API or page", async () => {
    for (const bad of BAD) {
      for (const route of routes) {
        for (const method of ["GET", "POST"]) {
          const answer = proxy(request(route.replace("{}", bad), { method, origin: APP_URL }));
          expect([answer.status, route, bad]).toEqual([400, route, bad]);
          expect(answer.headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
        }
      }
    }
    const api = proxy(request("/api/reports/%ff"));
    expect(await api.json()).toMatchObject({ error: expect.stringMatching(/Malformed URL/), issues: [{ path: "path" }] });
    expect((await proxy(request("/reports/%c0%af")).text()).startsWith("Malformed URL")).toBe(true);
  });

  it("answers 400 to any query name or value like that", async () => {
    for (const bad of BAD) {
      for (const query of queries) expect([proxy(request(query.replace("{}", bad))).status, query, bad]).toEqual([400, query, bad]);
    }
    expect((await proxy(request("/api/reports?status=%ff")).json()).issues[0].path).toBe("query parameter status");
  });

  it("passes well-formed URLs, including encoded UTF-8, reserved characters and +", () => {
    for (const ok of [
      `/reports/${ID}`,
      "/reports/%F0%9F%99%82",
      "/reports/..%2F..%2Fetc",
      "/sign-in?next=%2Freports%3Fa%3D1",
      "/api/reports?status=sent&limit=2",
      "/sign-in?error=a+b%20c",
      "/?flag",
      "/?a=&b",
    ]) {
      expect([proxy(request(ok)).status, ok]).toEqual([200, ok]);
    }
  });
});

describe("proxy and API tokens", () => {
  const TOKEN = `bkl_${"a".repeat(43)}`;
  const post = (path: string, headers: Record<string, string>) => new NextRequest(new URL(path, APP_URL), { method: "POST", headers });

  it("lets a Bearer request without a session cookie through without Origin (no cookie, no CSRF), and nothing else", () => {
    expect(proxy(post("/api/reports", { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect(proxy(post("/api/reports", { authorization: `bearer ${TOKEN}`, origin: "https://evil.example" })).status).toBe(200);
    // With the session cookie along, it is a browser's request again: Origin must be ours.
    for (const cookie of ["__Host-backline.session_token=x.y", "a=1; backline.session_token=x.y"]) {
      expect(proxy(post("/api/reports", { authorization: `Bearer ${TOKEN}`, cookie })).status).toBe(403);
    }
    expect(proxy(post("/api/reports", { cookie: "__Host-backline.session_token=x.y" })).status).toBe(403);
    expect(proxy(post("/api/reports", { authorization: "Basic YTpi" })).status).toBe(403);
  });

  it("refuses an API token in a query string (400 naming the parameter), by name or by its shape", async () => {
    for (const [query, name] of [
      [`?access_token=${TOKEN}`, "access_token"],
      [`?status=sent&token=${TOKEN}`, "token"],
      [`?api_key=x`, "api_key"],
      [`?q=${TOKEN}`, "q"],
    ]) {
      const refused = proxy(request(`/api/reports${query}`));
      expect(refused.status, query).toBe(400);
      expect((await refused.json()).issues[0].path).toBe(`query parameter ${name}`);
    }
    // The magic link's own ?token= is Better Auth's, and pages are not the API.
    expect(proxy(request("/api/auth/magic-link/verify?token=abc")).status).toBe(200);
    expect(proxy(request("/sign-in/confirm?token=abc")).status).toBe(200);
  });

  it("leaves /api/docs its own CSP (a page, with its nonce) and gives /api/openapi.json the API's", () => {
    expect(proxy(request("/api/docs")).headers.get("content-security-policy")).toBeNull();
    expect(proxy(request("/api/openapi.json")).headers.get("content-security-policy")).toMatch(/default-src 'none'/);
  });

  it("leaves the queue dashboard (/admin/queues and below) its own CSP, still checks its Origin, and gives the console's pages theirs", () => {
    for (const path of ["/admin/queues", "/admin/queues/", "/admin/queues/static/js/main.js", "/admin/queues/api/queues"]) {
      expect(proxy(request(path)).headers.get("content-security-policy"), path).toBeNull();
    }
    expect(proxy(request("/admin/queues/api/queues/reports/retry/failed", { method: "PUT" })).status).toBe(403);
    for (const path of ["/admin", "/admin/failures", "/admin/queuesx"])
      expect(proxy(request(path)).headers.get("content-security-policy"), path).toMatch(/nonce-/);
  });
});
