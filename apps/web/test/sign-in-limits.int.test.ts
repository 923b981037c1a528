// Sign-in limits that can't be dodged by respelling (security review #11,
// section 3), through the real route on real Redis and Postgres: one mailbox
// however it is written (+tags, gmail dots, googlemail, capitals), a cap per
// recipient domain, an IPv6 client counted by its /64 and more loosely by its
// /48, and a cap on sign-in emails per minute in all. Accounts stay apart:
// only the limits merge spellings.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_URL, startWebApp, type WebApp } from "./web-app.ts";

const GLOBAL_PER_MINUTE = 30;
let app: WebApp;
beforeAll(async () => {
  app = await startWebApp({
    SIGN_IN_EMAILS_PER_ADDRESS_PER_HOUR: "2",
    SIGN_IN_EMAILS_PER_DOMAIN_PER_HOUR: "4",
    SIGN_IN_REQUESTS_PER_IP_PER_HOUR: "3",
    SIGN_IN_REQUESTS_PER_IPV6_48_PER_HOUR: "6",
    SIGN_IN_EMAILS_PER_MINUTE: String(GLOBAL_PER_MINUTE),
  });
});
afterAll(() => app?.close());

let ipv4 = 0;
/** A fresh IPv4 address each time, unless one is given. */
const ask = (email: string, ip = `192.0.2.${++ipv4}`) =>
  app.fetch("/api/auth/sign-in/magic-link", { method: "POST", headers: { origin: APP_URL, "x-forwarded-for": ip }, json: { email } });

async function expect429(response: Response, what: RegExp) {
  expect(response.status).toBe(429);
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect((await response.json()).error).toMatch(what);
}

describe("sign-in limits per mailbox", () => {
  it("counts +tags, gmail dots, googlemail and capitals as one mailbox", async () => {
    expect((await ask("j.doe@gmail.com")).status).toBe(200);
    expect((await ask("jdoe+x@googlemail.com")).status).toBe(200);
    for (const spelling of ["J.Doe+y@gmail.com", "jdoe@gmail.com", "j.d.o.e@GoogleMail.com"])
      await expect429(await ask(spelling), /at most 2 sign-in emails per hour to this address/);
    const other = "ann+reports@example.net";
    expect((await ask(other)).status).toBe(200);
    expect((await ask("ANN@example.net")).status).toBe(200);
    await expect429(await ask("ann+x@example.net"), /to this address/);
    // Each email goes to the address as typed (lower-cased), not to a rewritten one.
    expect((await app.db.signInEmail.findMany({ select: { email: true }, orderBy: { createdAt: "asc" } })).map((r) => r.email)).toEqual([
      "j.doe@gmail.com",
      "jdoe+x@googlemail.com",
      "ann+reports@example.net",
      "ann@example.net",
    ]);
  });

  it("keeps two spellings two accounts (only the limits merge them)", async () => {
    await app.signIn("k.lee@example.org");
    await app.signIn("k.lee+work@example.org");
    const users = await app.db.user.findMany({ where: { email: { startsWith: "k.lee" } }, select: { email: true }, orderBy: { email: "asc" } });
    expect(users.map((u) => u.email)).toEqual(["k.lee+work@example.org", "k.lee@example.org"]);
  });
});

describe("sign-in limits per domain", () => {
  it("caps the links to one domain, whichever mailboxes; other domains still get theirs", async () => {
    for (let i = 0; i < 4; i++) expect((await ask(`user${i}@flood.example`)).status).toBe(200);
    await expect429(await ask("someone-else@flood.example"), /at most 4 sign-in emails per hour to this address's domain/);
    await expect429(await ask("someone-else@FLOOD.example"), /domain/);
    expect((await ask("someone-else@calm.example")).status).toBe(200);
  });
});

describe("sign-in limits per network", () => {
  it("counts an IPv6 client by its /64: a fresh address in the same /64 buys nothing", async () => {
    for (let i = 1; i <= 3; i++) expect((await ask(`v6-${i}@v6a.example`, `2001:db8:1:1::${i.toString(16)}`)).status).toBe(200);
    await expect429(await ask("v6-4@v6a.example", "2001:db8:1:1:ffff:ffff:ffff:fff0"), /at most 3 sign-in requests per hour from your network address/);
    expect((await ask("v6-5@v6b.example", "2001:db8:1:2::1")).status).toBe(200); // the next /64
  });

  it("and more loosely by its /48: hopping /64s inside one site runs out too; another site doesn't", async () => {
    // 2001:db8:1::/48 has had 4 accepted so far (3 in 2001:db8:1:1::/64, 1 in :2::/64); its limit is 6.
    expect((await ask("v6-6@v6c.example", "2001:db8:1:3::1")).status).toBe(200);
    expect((await ask("v6-7@v6c.example", "2001:db8:1:4::1")).status).toBe(200);
    await expect429(await ask("v6-8@v6d.example", "2001:db8:1:5::1"), /at most 6 sign-in requests per hour from your network\b/);
    expect((await ask("v6-9@v6d.example", "2001:db8:2:5::1")).status).toBe(200);
  });
});

describe("sign-in emails in all", () => {
  it("caps sign-in emails per minute across every mailbox, domain and network", async () => {
    // Each request from a fresh address, to a fresh mailbox at a fresh domain: only the global cap is left to refuse it.
    let refused: Response | undefined;
    for (let i = 0; i < GLOBAL_PER_MINUTE + 1 && !refused; i++) {
      const response = await ask(`many${i}@d${i}.example`);
      if (response.status === 429) refused = response;
      else expect(response.status).toBe(200);
    }
    expect(refused, "a refusal before the cap was passed").toBeDefined();
    await expect429(refused!, /at most 30 sign-in emails per minute in all/);
    // Refused requests give their points back, so exactly the cap went through this minute (this file takes seconds).
    expect(await app.db.signInEmail.count()).toBe(GLOBAL_PER_MINUTE);
    await expect429(await ask("one-more@fresh.example"), /per minute in all/);
  });
});
