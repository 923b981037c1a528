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

describe("what the proxy runs on (its matcher, as Next compiles and applies it)", () => {
  // The build compiles config.matcher with these very functions (Next's own), and the router runs the proxy when
  // the raw or the percent-decoded path matches.
  const runsProxy = async () => {
    // Not in the module's type declarations, but exported (the build calls it on proxy.ts's config).
    const { getMiddlewareMatchers } = (await import("next/dist/build/analysis/get-page-static-info.js")) as unknown as {
      getMiddlewareMatchers: (matcher: unknown, nextConfig: unknown) => { regexp: string }[];
    };
    const { getMiddlewareRouteMatcher } = await import("next/dist/shared/lib/router/utils/middleware-route-matcher.js");
    const { config } = await import("../proxy.ts");
    const match = getMiddlewareRouteMatcher(getMiddlewareMatchers(config.matcher, {}) as never);
    return (path: string) => {
      let decoded = path;
      try {
        decoded = decodeURIComponent(path);
      } catch {}
      return match(path, {} as never, {}) || match(decoded, {} as never, {});
    };
  };

  it("skips static build output and exactly /api/health and /api/reports; runs everywhere else", async () => {
    const runs = await runsProxy();
    for (const path of ["/_next/static/chunks/app.js", "/_next/image", "/favicon.ico", "/api/health", "/api/reports"]) expect(runs(path), path).toBe(false);
    for (const path of [
      "/",
      "/sign-in",
      "/reports/0190a0a0-0000-7000-8000-000000000000",
      "/api/reports/",
      "/api/reports/0190a0a0-0000-7000-8000-000000000000",
      "/api/reports/x/cancel",
      "/api/reportsx",
      "/api/reports.json",
      "/api/report%73", // decodes to /api/reports, but the raw form matches: the proxy runs
      "/api/health/%00",
      "/api/healthz",
      "/api/ready",
      "/api/auth/sign-out",
      "/api/tokens",
      "/admin/queues",
      "/schedules/x/unsubscribe",
    ])
      expect(runs(path), path).toBe(true);
  });

  it("every route the matcher leaves out applies the proxy's rules itself (unproxied, every method it exports)", async () => {
    process.env.AUTH_SECRET ??= "test-only-auth-secret-0123456789abcdef";
    process.env.DOWNLOAD_LINK_SECRET ??= "test-only-download-link-secret-0123456789";
    const runs = await runsProxy();
    const { appRoutes } = await import("./web-app.ts");
    const { UNPROXIED } = await import("../lib/server/unproxied.ts");
    // Static route paths (no dynamic segment): the matcher only ever leaves out exact paths.
    const skipped = appRoutes().filter((r) => r.params.length === 0 && !runs(r.pattern.source.slice(1, -1).replace(/\\/g, "")));
    expect(skipped.map((r) => r.file).sort()).toEqual(["api/health/route.ts", "api/reports/route.ts"]);
    for (const route of skipped) {
      const handlers = Object.entries(await route.load()).filter(([name]) => /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/.test(name));
      expect(handlers.length, route.file).toBeGreaterThan(0);
      for (const [name, handler] of handlers) expect((handler as unknown as Record<symbol, unknown>)[UNPROXIED], `${route.file} ${name}`).toBe(true);
    }
  });
});

describe("unproxied: the proxy's rules inside the routes it skips", () => {
  const TOKEN = `bkl_${"a".repeat(43)}`;
  const same = async (path: string, init: { method?: string; headers?: Record<string, string> } = {}) => {
    process.env.AUTH_SECRET ??= "test-only-auth-secret-0123456789abcdef";
    process.env.DOWNLOAD_LINK_SECRET ??= "test-only-download-link-secret-0123456789";
    const { unproxied } = await import("../lib/server/unproxied.ts");
    const reached: string[] = [];
    const handler = unproxied((request: Request) => {
      reached.push(request.url);
      return Response.json({ handled: true }, { status: 202 });
    });
    const viaProxy = proxy(new NextRequest(new URL(path, APP_URL), { method: init.method ?? "GET", headers: init.headers }));
    const viaRoute = await handler(new Request(new URL(path, APP_URL), { method: init.method ?? "GET", headers: init.headers }));
    return { viaProxy, viaRoute, reached };
  };

  it("refuses what the proxy refuses, with the same answer and headers, before the handler runs", async () => {
    const cases: [string, { method?: string; headers?: Record<string, string> }][] = [
      ["/api/reports", { method: "POST" }],
      ["/api/reports", { method: "POST", headers: { origin: "https://evil.example", cookie: "backline.session_token=x.y" } }],
      ["/api/reports", { method: "POST", headers: { origin: "null" } }],
      ["/api/reports", { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, cookie: "__Host-backline.session_token=x.y" } }],
      ["/api/reports", { method: "DELETE", headers: { origin: "https://evil.example" } }],
      [`/api/reports?access_token=${TOKEN}`, {}],
      [`/api/reports?status=sent&q=${TOKEN}`, {}],
      ["/api/health?token=x", {}],
      ["/api/reports?status=%00", {}],
      ["/api/reports?cursor=%ff", {}],
      ["/api/health?%c0%af=1", {}],
      ["/api/reports?a=%0d%0a", { method: "POST", headers: { origin: APP_URL } }],
    ];
    for (const [path, init] of cases) {
      const { viaProxy, viaRoute, reached } = await same(path, init);
      const label = `${init.method ?? "GET"} ${path}`;
      expect(viaProxy.status, label).toBeGreaterThanOrEqual(400);
      expect(viaRoute.status, label).toBe(viaProxy.status);
      expect(await viaRoute.json(), label).toEqual(await viaProxy.json());
      for (const header of ["content-security-policy", "strict-transport-security"])
        expect(viaRoute.headers.get(header), `${label} ${header}`).toBe(viaProxy.headers.get(header));
      expect(reached, label).toEqual([]);
    }
  });

  it("lets through what the proxy lets through, and gives the answer the API's CSP and HSTS", async () => {
    for (const [path, init] of [
      ["/api/health", {}],
      ["/api/reports?status=sent&limit=2", {}],
      ["/api/reports", { method: "POST", headers: { origin: APP_URL, cookie: "backline.session_token=x.y" } }],
      ["/api/reports", { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } }],
      ["/api/reports", { method: "POST", headers: { authorization: `bearer ${TOKEN}`, origin: "https://evil.example" } }],
    ] as const) {
      const { viaProxy, viaRoute, reached } = await same(path, init);
      expect(viaProxy.status, path).toBe(200);
      expect(viaRoute.status, path).toBe(202);
      expect(reached, path).toEqual([new URL(path, APP_URL).toString()]);
      expect(viaRoute.headers.get("content-security-policy")).toBe(viaProxy.headers.get("content-security-policy"));
      expect(viaRoute.headers.get("strict-transport-security")).toBe("max-age=31536000");
    }
  });
});
