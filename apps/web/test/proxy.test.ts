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
    const answers = [request("/"), request("/api/reports"), request("/reports/0190a0a0-0000-7000-8000-000000000000/download"), request("/api/reports", { method: "POST" })].map(proxy);
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

  it("leaves the CSP to the download route only; any other path ending in /download is a page and gets the nonce CSP", () => {
    expect(proxy(request("/reports/0190a0a0-0000-7000-8000-000000000000/download")).headers.get("content-security-policy")).toBeNull();
    for (const path of ["/download", "/x/download", "/reports/a/b/download"]) {
      expect(proxy(request(path)).headers.get("content-security-policy")).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    }
    expect(proxy(request("/api/reports")).headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
  });
});
