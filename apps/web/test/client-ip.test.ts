// Which address a request counts as coming from.
import { describe, expect, it } from "vitest";
import { clientIp } from "../lib/server/client-ip.ts";

const from = (xff: string | null, hops = 0) => clientIp(new Headers(xff === null ? {} : { "x-forwarded-for": xff }), hops);

describe("clientIp", () => {
  // server.mjs leaves the TCP peer as the last entry: alone with no trusted proxy, appended behind them.
  it("takes the entry the outermost trusted proxy wrote: hops + 1 from the right", () => {
    expect(from("203.0.113.9")).toBe("203.0.113.9");
    expect(from("198.51.100.1, 203.0.113.9")).toBe("203.0.113.9"); // no proxy trusted: the last entry, the peer
    expect(from("198.51.100.1, 203.0.113.9, 10.0.0.2", 1)).toBe("203.0.113.9"); // client's own entry, what the proxy appended, the proxy itself (the peer)
    expect(from("198.51.100.1, 203.0.113.9, 10.0.0.3, 10.0.0.2", 2)).toBe("203.0.113.9"); // client's own, CDN's, load balancer's, the peer
    expect(from("203.0.113.9", 1)).toBe("203.0.113.9"); // a request that skipped the proxy: the peer
    expect(from("2001:db8::1")).toBe("2001:db8::1");
  });

  it("writes an IPv4 client seen on a dual-stack socket as plain IPv4", () => {
    expect(from("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(from("::FFFF:203.0.113.9")).toBe("203.0.113.9");
  });

  it("drops a port some proxies append", () => {
    expect(from("203.0.113.9:51234")).toBe("203.0.113.9");
    expect(from("[2001:db8::1]:51234")).toBe("2001:db8::1");
  });

  it("counts anything that is not an address as one shared 'unknown' (junk never buys a fresh limit)", () => {
    for (const junk of [null, "", "not-an-ip", "x".repeat(5000), "203.0.113.9 x", "999.1.1.1", "203.0.113.9, "]) expect(from(junk)).toBe("unknown");
  });
});
