// Security over real HTTP, through proxy.ts, against the production build:
// other people's reports are invisible, emailed links can be revoked and
// renewed, cross-site writes are refused, every response carries the security
// headers, and a flood of hostile requests breaks nothing.
import { spawn } from "node:child_process";
import path from "node:path";
import { expect, request as playwrightRequest, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import pg from "pg";
import { linkIn, reportEmail } from "./inbox";
import { signIn, uniqueEmail } from "./session";
import { ADMIN_EMAIL, e2eStack } from "./stack";

const origin = { origin: e2eStack.appUrl };

/** A signed-in person in their own browser context, with one report generated and Sent. */
async function personWithReport(browser: Browser, label: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = uniqueEmail(label);
  await signIn(page, email);
  await page.getByRole("button", { name: "Generate report" }).click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}$/);
  const reportId = page.url().split("/").pop()!;
  await expect(page.getByTestId("report-status")).toHaveText("Sent", { timeout: 90_000 });
  return { context, page, email, reportId };
}

async function signedInContext(browser: Browser, email: string): Promise<{ page: Page; api: APIRequestContext; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email);
  return { page, api: page.request, close: () => context.close() };
}

test("another user gets 404 from every route of my report, an anonymous client gets sign-in or 401, an admin sees it", async ({ browser }) => {
  const owner = await personWithReport(browser, "owner");
  const id = owner.reportId;
  const other = await signedInContext(browser, uniqueEmail("other"));
  const anonymous = await playwrightRequest.newContext({ baseURL: e2eStack.appUrl });

  // The status page: a not-found page, exactly like a missing report's.
  const page = await other.page.goto(`/reports/${id}`);
  expect(page?.status()).toBe(404);
  await expect(other.page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(other.page.getByText("Sales summary")).toHaveCount(0);

  const routes: { method: "GET" | "POST"; path: string }[] = [
    { method: "GET", path: `/api/reports/${id}` },
    { method: "GET", path: `/api/reports/${id}/events` },
    { method: "POST", path: `/api/reports/${id}/cancel` },
    { method: "POST", path: `/api/reports/${id}/retry` },
    { method: "POST", path: `/api/reports/${id}/download-links` },
    { method: "POST", path: `/api/reports/${id}/download-links/revoke` },
    { method: "GET", path: `/reports/${id}/download` },
  ];
  const missing = "018f0000-0000-7000-8000-000000000000";
  for (const { method, path } of routes) {
    const asOther = await other.api.fetch(path, { method, headers: origin, maxRedirects: 0 });
    expect(asOther.status(), `${method} ${path} as another user`).toBe(404);
    const body = await asOther.text();
    expect(body).not.toContain(owner.email);
    expect(body).not.toContain("sales-summary");
    // Indistinguishable from a report that doesn't exist.
    const absent = await other.api.fetch(path.replace(id, missing), { method, headers: origin, maxRedirects: 0 });
    expect(absent.status()).toBe(404);
    expect(body).toBe((await absent.text()).replaceAll(missing, id));

    const asAnonymous = await anonymous.fetch(path, { method, headers: origin, maxRedirects: 0 });
    if (path.startsWith("/api/")) expect(asAnonymous.status(), `${method} ${path} anonymously`).toBe(401);
    else expect(asAnonymous.headers().location, `${method} ${path} anonymously`).toMatch(/\/sign-in\?next=/);
  }
  const anonymousPage = await anonymous.get(`/reports/${id}`, { maxRedirects: 0 });
  expect(anonymousPage.status()).toBe(307);
  expect(anonymousPage.headers().location).toBe(`/sign-in?next=${encodeURIComponent(`/reports/${id}`)}`);
  const theirList = await (await other.api.get("/api/reports")).json();
  expect(theirList.items).toEqual([]);

  const admin = await signedInContext(browser, ADMIN_EMAIL);
  expect((await admin.api.get(`/api/reports/${id}`)).status()).toBe(200);
  await admin.page.goto("/reports");
  await expect(admin.page.getByRole("heading", { name: "All reports" })).toBeVisible();
  await expect(admin.page.getByRole("row").filter({ hasText: owner.email })).toHaveCount(1);

  await Promise.all([owner.context.close(), other.close(), admin.close(), anonymous.dispose()]);
});

test("the emailed link: tampered → 403; revoked → 410, and the signed-in owner gets a fresh link from that page", async ({ browser }) => {
  const owner = await personWithReport(browser, "links");
  const link = linkIn(await reportEmail(owner.email, owner.reportId), /\/download\?/);
  const anonymous = await playwrightRequest.newContext();
  expect((await anonymous.get(link)).status()).toBe(200);

  const tampered = new URL(link);
  tampered.searchParams.set("expires", String(Number(tampered.searchParams.get("expires")) + 3600));
  const refused = await anonymous.get(tampered.toString());
  expect(refused.status()).toBe(403);
  expect(await refused.text()).toContain("This download link is not valid");

  // The owner revokes every link from the status page.
  await owner.page.reload();
  await expect(owner.page.getByTestId("download-summary")).toContainText("1 active download link");
  await owner.page.getByRole("button", { name: "Revoke all download links" }).click();
  await expect(owner.page.getByRole("status").filter({ hasText: "Revoked 1 link" })).toBeVisible();
  const gone = await anonymous.get(link);
  expect(gone.status()).toBe(410);
  expect(gone.headers()["cache-control"]).toBe("no-store");
  expect(await gone.text()).toContain("This link was revoked");

  // Opened by the owner, the 410 page's button makes a new link and downloads through it.
  await owner.page.goto(link);
  await expect(owner.page.getByRole("heading", { name: "This download link no longer works" })).toBeVisible();
  const [download] = await Promise.all([owner.page.waitForEvent("download"), owner.page.getByRole("button", { name: "Get a fresh link" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^sales-summary.*\.pdf$/);
  expect(download.url()).toMatch(/\/download\?user=.+&expires=\d+&kid=.+&sig=/);
  expect(download.url()).not.toBe(link);
  await Promise.all([owner.context.close(), anonymous.dispose()]);
});

test("cross-site state changes are refused (CSRF), same-site ones pass", async ({ browser }) => {
  const me = await signedInContext(browser, uniqueEmail("csrf"));
  const before = (await (await me.api.get("/api/reports")).json()).items.length;
  const body = { type: "sales-summary" };
  const forged = await me.api.post("/api/reports", { data: body, headers: { origin: "https://evil.example" } });
  expect(forged.status()).toBe(403);
  expect((await forged.json()).issues[0].path).toBe("Origin");
  expect((await me.api.post("/api/reports", { data: body })).status()).toBe(403); // no Origin at all
  expect((await me.api.post("/api/reports", { data: body, headers: { origin: "null" } })).status()).toBe(403);
  expect((await me.api.post("/api/auth/sign-out", { data: {}, headers: { origin: "https://evil.example" } })).status()).toBe(403);
  expect((await (await me.api.get("/api/reports")).json()).items.length).toBe(before); // nothing was written, still signed in
  expect((await me.api.post("/api/reports", { data: body, headers: origin })).status()).toBe(202);
  await me.close();
});

test("security headers on pages, API and downloads; the session cookie is HttpOnly and SameSite=Lax", async ({ browser }) => {
  const me = await signedInContext(browser, uniqueEmail("headers"));
  const violations: string[] = [];
  me.page.on("console", (m) => m.text().includes("Content Security Policy") && violations.push(m.text()));
  const response = await me.page.goto("/");
  const headers = response!.headers();
  const csp = headers["content-security-policy"]!;
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("same-origin");
  expect(headers["x-frame-options"]).toBe("DENY");
  // Next put the nonce on its own scripts, and the page still works under the policy.
  const nonce = /'nonce-([^']+)'/.exec(csp)![1];
  expect(await me.page.evaluate(() => [...document.scripts].filter((s) => s.nonce).map((s) => s.nonce))).toContain(nonce);
  await me.page.getByRole("button", { name: "Generate report" }).click();
  await expect(me.page).toHaveURL(/\/reports\/[0-9a-f-]{36}$/);
  expect(violations).toEqual([]);

  const api = await me.api.get("/api/health");
  expect(api.headers()["content-security-policy"]).toContain("default-src 'none'");
  expect(api.headers()["x-content-type-options"]).toBe("nosniff");

  const cookie = (await me.page.context().cookies()).find((c) => c.name === "backline.session_token")!;
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  await me.close();
});

test("web and worker refuse to start without their secrets, in one line naming them", async () => {
  const repoRoot = path.resolve(import.meta.dirname, "../../..");
  // Empty, not absent: a developer's .env (which never overrides the environment) can't fill them in.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    DATABASE_URL: process.env.E2E_DATABASE_URL,
    AUTH_SECRET: "",
    DOWNLOAD_LINK_SECRET: "",
  };
  const run = (cmd: string, args: string[], cwd: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(cmd, args, { cwd: path.join(repoRoot, cwd), env });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.on("close", (code) => (clearTimeout(timer), resolve({ code, out })));
    });
  const web = await run(path.join(repoRoot, "node_modules/.bin/next"), ["start", "-p", "0", "-H", "127.0.0.1"], "apps/web");
  expect(web.code).toBe(1);
  expect(web.out).toMatch(
    /✖ Backline web cannot start: Invalid environment — AUTH_SECRET: AUTH_SECRET is missing: .*; DOWNLOAD_LINK_SECRET: DOWNLOAD_LINK_SECRET is missing/,
  );
  expect(web.out).not.toMatch(/\n\s+at /); // no stack trace
  const worker = await run(process.execPath, ["dist/main.js"], "apps/worker");
  expect(worker.code).toBe(1);
  expect(worker.out).toMatch(/DOWNLOAD_LINK_SECRET: DOWNLOAD_LINK_SECRET is missing/);
  expect(worker.out).toMatch(/AUTH_SECRET: AUTH_SECRET is missing/); // it opens the sealed sign-in links
  expect(worker.out).not.toMatch(/\n\s+at /);
});

test("malformed percent-encoding (invalid UTF-8, overlong, surrogates, %00) answers 400 or 404 on every route, signed in or not", async ({ browser }) => {
  const me = await signedInContext(browser, uniqueEmail("bytes"));
  const anonymous = await playwrightRequest.newContext({ baseURL: e2eStack.appUrl });
  const id = "018f0000-0000-7000-8000-000000000000";
  const paths = [
    "/reports/%ff",
    "/reports/%ff%fe",
    "/reports/%c0%af",
    "/reports/%ed%a0%80",
    "/reports/%00",
    "/api/reports/%ff",
    "/api/reports/%c0%af/events",
    "/api/reports/%00",
    `/reports/%ff/download`,
    `/api/reports/${id}/%ff`,
    "/%ff",
    "/sign-in/%c0%af",
    "/api/auth/%ff",
    "/api/health/%00",
  ];
  // In a query, Next itself turns bytes that aren't UTF-8 into U+FFFD before any route sees them (harmless);
  // a control character survives that, and proxy.ts refuses it. Either way: never a 5xx.
  const queries = [
    "/sign-in?next=%ff",
    "/sign-in?next=%00",
    "/api/reports?status=%c0%af",
    `/api/reports/${id}?sinceEvent=%00`,
    `/api/reports/${id}?sinceEvent=%ff`,
    `/reports/${id}/download?sig=%ff&user=1&expires=1&kid=x`,
    `/reports/${id}/download?sig=x&user=%00&expires=1&kid=x`,
    "/api/auth/magic-link/verify?token=%ed%a0%80",
    "/api/auth/magic-link/verify?token=x%00&callbackURL=/",
    "/reports?status=%f8%88%80%80%80",
  ];
  const wrong: string[] = [];
  for (const path of [...paths, ...queries]) {
    for (const [who, client] of [
      ["signed in", me.api],
      ["anonymous", anonymous],
    ] as const) {
      for (const method of ["GET", "POST"] as const) {
        const answer = await client.fetch(path, { method, headers: origin, maxRedirects: 0, failOnStatusCode: false });
        const status = answer.status();
        const ok = paths.includes(path) || path.includes("%00") ? status === 400 || status === 404 : status < 500;
        if (!ok) wrong.push(`${status} ${method} ${path} (${who})`);
      }
    }
  }
  expect(wrong).toEqual([]);
  await Promise.all([me.close(), anonymous.dispose()]);
});

// ---- Fuzz ------------------------------------------------------------------

/** Deterministic, so a failure can be replayed with the same seed. */
function rng(seed: number) {
  return () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0) >>> 0) / 2 ** 32;
}

interface Hostile {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signedIn: boolean;
}

function hostileRequests(count: number, seed: number, realId: string): Hostile[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // A lone surrogate can't be percent-encoded: send its raw (invalid UTF-8) bytes instead.
  const enc = (s: string) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return "%ED%A0%80";
    }
  };
  const huge = (n: number) => "A".repeat(n);
  const nasty = [
    "",
    "\r\nBcc: victim@example.com",
    "a@b.co\r\nSubject: hi",
    "x\u0000y",
    huge(300),
    huge(5000),
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "\ud800",
    "😀".repeat(100),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent literally.
    "${7*7}",
    "__proto__",
  ];
  const junkValue = () => pick<unknown>([null, true, 0, -1, 1e308, "", [], {}, [[[]]], pick(nasty), { $gt: "" }, { __proto__: { admin: true } }]);
  const deep = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
  // Percent-encoded bytes that are not UTF-8 (invalid, overlong, surrogate halves, truncated), NUL and friends, a lone %.
  const badBytes = [
    "%ff",
    "%ff%fe",
    "%c0%af",
    "%c0%80",
    "%e0%80%af",
    "%ed%a0%80",
    "%ed%bf%bf",
    "%f8%88%80%80%80",
    "%fe",
    "%c3",
    "%e2%82",
    "%00",
    "a%00b",
    "%0d%0a",
    "%7f",
    "%",
    "%zz",
    "%%",
  ];
  const ids = [realId, "018f0000-0000-7000-8000-000000000000", "not-a-uuid", "..%2F..%2Fetc", "0".repeat(500), "%00", "' OR 1=1", "-1", "🙂", ...badBytes];
  // Every route shape, with `{}` where a hostile path segment or query value goes.
  const shapes = [
    "/{}",
    "/reports/{}",
    "/reports/{}/download",
    `/reports/${realId}/{}`,
    "/api/{}",
    "/api/reports/{}",
    "/api/reports/{}/events",
    "/api/reports/{}/cancel",
    `/api/reports/${realId}/{}`,
    "/api/auth/{}",
    "/api/auth/magic-link/{}",
    "/sign-in/{}",
    "/sign-in?next={}",
    "/sign-in?error={}",
    "/reports?status={}",
    "/api/reports?status={}&limit=1",
    "/api/reports?cursor={}",
    "/api/reports?{}=1",
    `/api/reports/${realId}?sinceEvent={}`,
    `/reports/${realId}/download?user={}&expires=1&kid=x&sig=y`,
    `/reports/${realId}/download?user=1&expires=1&kid=x&sig={}`,
    "/api/auth/magic-link/verify?token={}&callbackURL=/",
    "/api/auth/magic-link/verify?token=x&callbackURL={}",
    "/api/health?{}",
  ];
  const hostileSegment = () => (r() < 0.5 ? pick(badBytes) : `${pick(["a", "", realId])}${pick(badBytes)}${pick(["", "z", pick(badBytes)])}`);
  // Always invalid report bodies: a wrong type, an unknown field, broken JSON, or too big.
  const reportBodies = [
    () => JSON.stringify({ type: junkValue() }),
    () => JSON.stringify({ type: "sales-summary", email: pick(nasty) }),
    () => JSON.stringify({ type: "sales-summary", params: { from: pick(nasty) } }),
    () => JSON.stringify({ type: "sales-summary", params: { region: pick(nasty), colour: 1 } }),
    () => JSON.stringify({ type: "customer-statement", params: { customerId: junkValue() } }),
    () => JSON.stringify({ type: "sales-summary", params: junkValue(), [pick(nasty) || "x"]: 1 }),
    () => JSON.stringify({ type: "sales-summary", params: { from: "1000-01-01", to: "9999-12-31" } }),
    () => `{"type": "sales-summary", "params": ${deep(2000 + Math.floor(r() * 4000))}}`,
    () => `{"type": "sales-summary", "params": {"__proto__": {"x": 1}}, "__proto__": {"admin": true}}`,
    () => pick(["{", "[1,", "nul", "{'a':1}", "\u0000", '{"type":"sales-summary",}', huge(100)]),
    () => JSON.stringify({ type: "sales-summary", params: { region: huge(20_000) } }),
    () => Buffer.alloc(200_000 + Math.floor(r() * 800_000), 0x7b),
    () => JSON.stringify([{ type: "sales-summary" }]),
    () => JSON.stringify("sales-summary"),
  ];
  const signInBodies = [
    () => JSON.stringify({ email: pick(nasty) }),
    () => JSON.stringify({ email: `a@example.com${pick(["\r\n", "\n", "\u0000", " "])}Bcc: b@example.com` }),
    () => JSON.stringify({ email: "a@example.com", callbackURL: pick(["https://evil.example", "//evil.example", "javascript:alert(1)", pick(nasty)]) }),
    () => JSON.stringify({ email: "a@example.com", name: pick(nasty) }),
    () => JSON.stringify({ email: junkValue() }),
    () => `{"email": ${deep(3000)}}`,
    () => pick(["{", "", "null", "[]", huge(50_000)]),
  ];
  const contentTypes = [
    "application/json",
    "application/json",
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=utf-16",
    "",
  ];
  // What HTTP can carry in a header at all (no CR, LF, NUL or non-Latin-1): the client refuses to send the rest.
  const headerSafe = (v: string) => v.replace(/[\r\n\0]/g, "").replace(/[^\x20-\xff]/g, "?") || "-";
  const out: Hostile[] = [];
  for (let i = 0; i < count; i++) {
    const signedIn = r() < 0.6;
    const id = pick(ids);
    const kind = Math.floor(r() * 14);
    const contentType = pick(contentTypes);
    const jsonHeaders = contentType ? { "content-type": contentType, ...origin } : origin;
    switch (kind) {
      case 0:
      case 1:
      case 2:
        out.push({
          method: "POST",
          path: "/api/reports",
          headers: { ...jsonHeaders, ...(r() < 0.2 ? { "idempotency-key": headerSafe(pick(nasty)) } : {}) },
          body: pick(reportBodies)(),
          signedIn,
        });
        break;
      case 3:
        out.push({ method: "POST", path: "/api/auth/sign-in/magic-link", headers: jsonHeaders, body: pick(signInBodies)(), signedIn });
        break;
      case 4:
        out.push({
          method: "GET",
          path: `/api/reports?${new URLSearchParams({ [pick(["status", "type", "cursor", "limit", "email", "x"])]: pick(nasty) || "-1" })}`,
          signedIn,
        });
        break;
      case 5:
        out.push({ method: "GET", path: `/api/reports/${id}${pick(["", "?sinceEvent=-1", `?sinceEvent=${"9".repeat(40)}`, "?x=1"])}`, signedIn });
        break;
      case 6:
        out.push({
          method: "POST",
          path: `/api/reports/${id}/${pick(["cancel", "retry", "download-links", "download-links/revoke"])}`,
          headers: jsonHeaders,
          body: pick(reportBodies)(),
          signedIn,
        });
        break;
      case 7: {
        const q = new URLSearchParams({
          user: pick([pick(ids), pick(nasty)]),
          expires: pick(["1", "9999999999", "-5", "1e9", pick(nasty)]),
          kid: pick(["AAAAAAAA", pick(nasty)]),
          sig: pick(["A".repeat(43), pick(nasty)]),
        });
        out.push({ method: "GET", path: `/reports/${id}/download?${q}`, signedIn });
        break;
      }
      case 8:
        out.push({
          method: "GET",
          path: `/api/auth/magic-link/verify?token=${enc(pick(nasty) || "x")}&callbackURL=${enc(pick(["/", "https://evil.example", "//evil"]))}`,
          signedIn,
        });
        break;
      case 9:
        out.push({ method: "GET", path: `/api/reports/${id}/events`, headers: { "last-event-id": headerSafe(pick(nasty)) }, signedIn });
        break;
      case 10:
        out.push({
          method: "GET",
          path: pick([`/reports/${id}`, `/sign-in?next=${enc(pick(nasty))}`, `/reports?status=${enc(pick(nasty))}`, `/sign-in?error=${enc(pick(nasty))}`]),
          signedIn,
        });
        break;
      case 11:
      case 12:
        // Bytes no route can mean, in every path segment and query value: 400 (proxy.ts) or 404, never 5xx.
        out.push({ method: r() < 0.8 ? "GET" : "POST", path: pick(shapes).replace("{}", hostileSegment()), headers: origin, signedIn });
        break;
      default:
        // State changes without our Origin: refused by proxy.ts whatever they carry.
        out.push({
          method: "POST",
          path: pick(["/api/reports", "/api/auth/sign-in/magic-link", `/api/reports/${id}/cancel`]),
          headers: { "content-type": "application/json", ...(r() < 0.5 ? { origin: "https://evil.example" } : {}) },
          body: JSON.stringify({ type: "sales-summary", email: "a@example.com" }),
          signedIn,
        });
    }
  }
  return out;
}

/** A live stream's real status code: fetch resolves on the response head; the body, endless or not, is then dropped. */
async function streamStatus(h: { method: string; path: string; headers?: Record<string, string> }, cookie: string) {
  try {
    const res = await fetch(`${e2eStack.appUrl}${h.path}`, {
      method: h.method,
      headers: { ...h.headers, ...(cookie ? { cookie } : {}) },
      redirect: "manual",
      signal: AbortSignal.timeout(30_000),
    });
    const text = res.status >= 500 ? await res.text() : "";
    if (res.status < 500) await res.body?.cancel();
    return { status: () => res.status, text: async () => text };
  } catch (err) {
    return { status: () => 0, text: async () => (err as Error).message };
  }
}

const TABLES = ["reports", "users", "accounts", "verifications", "sign_in_emails", "download_links", "downloads", "deliveries"];

async function rowCounts(db: pg.Client) {
  const counts: Record<string, number> = {};
  for (const t of TABLES) counts[t] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]!.n;
  return counts;
}

test("10,000 malformed or hostile requests against every route: no 5xx, no rows written, still healthy after", async ({ browser }) => {
  test.setTimeout(600_000);
  const me = await personWithReport(browser, "fuzz");
  const signed = me.page.request;
  const signedCookie = (await me.page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const anonymous = await playwrightRequest.newContext({ baseURL: e2eStack.appUrl });
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  const before = await rowCounts(db);

  const requests = hostileRequests(10_000, 20261122, me.reportId);
  const statuses = new Map<number, number>();
  const serverErrors: string[] = [];
  const unsent: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const h = requests[next++]!;
      const client = h.signedIn ? signed : anonymous;
      // An SSE stream may stay open: its status is read from the response head, then the body is dropped.
      const response = h.path.endsWith("/events")
        ? await streamStatus(h, h.signedIn ? signedCookie : "")
        : await client
            .fetch(h.path, { method: h.method, headers: h.headers, data: h.body, maxRedirects: 0, timeout: 30_000, failOnStatusCode: false })
            .catch((err: Error) => ({ status: () => 0, text: async () => err.message }));
      const status = response.status();
      if (status === 0) unsent.push(`${h.method} ${h.path.slice(0, 120)}: ${(await response.text()).slice(0, 200)}`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500)
        serverErrors.push(`${status} ${h.method} ${h.path.slice(0, 120)} ${String(h.body ?? "").slice(0, 80)} → ${(await response.text()).slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  console.log(`fuzz: ${requests.length} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);

  expect(unsent.slice(0, 10)).toEqual([]); // every request reached the server
  expect(serverErrors.slice(0, 20)).toEqual([]);
  expect(await rowCounts(db)).toEqual(before);
  expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  expect(statuses.get(400) ?? 0).toBeGreaterThan(1000);

  // Still healthy: the health check answers, and a real request still works end to end.
  expect((await anonymous.get("/api/health")).status()).toBe(200);
  const ok = await signed.post("/api/reports", { data: { type: "sales-summary" }, headers: origin });
  expect(ok.status()).toBe(202);
  await expect.poll(async () => (await (await signed.get(`/api/reports/${(await ok.json()).id}`)).json()).status, { timeout: 90_000 }).toBe("sent");
  await db.end();
  await Promise.all([me.context.close(), anonymous.dispose()]);
});
