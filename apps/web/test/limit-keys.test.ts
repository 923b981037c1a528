// What limits count by: one mailbox however it is spelled, one IPv6 network however many addresses it uses.
import { describe, expect, it } from "vitest";
import { ipv6Groups, mailboxKey, networkKey } from "../lib/limit-keys.ts";

describe("mailboxKey", () => {
  it("lower-cases and strips a +tag, for any domain", () => {
    expect(mailboxKey("Ana@Example.COM")).toEqual({ address: "ana@example.com", domain: "example.com" });
    expect(mailboxKey("ana+reports@example.com").address).toBe("ana@example.com");
    expect(mailboxKey("ana+a+b@example.com").address).toBe("ana@example.com");
    expect(mailboxKey("ANA+X@EXAMPLE.com").address).toBe("ana@example.com");
  });

  it("strips dots in the local part only where the provider ignores them (gmail; googlemail is gmail)", () => {
    for (const spelling of ["j.doe@gmail.com", "jdoe@gmail.com", "J.D.O.E@GMAIL.COM", "j.doe+x@googlemail.com", "jd.oe+1@GoogleMail.com", "jdoe@gmail.com."]) {
      expect(mailboxKey(spelling), spelling).toEqual({ address: "jdoe@gmail.com", domain: "gmail.com" });
    }
    expect(mailboxKey("j.doe@example.com").address).toBe("j.doe@example.com"); // dots matter elsewhere
  });

  it("keeps what it can't simplify", () => {
    expect(mailboxKey("+tag@example.com").address).toBe("+tag@example.com"); // nothing before the +
    expect(mailboxKey("...@gmail.com").address).toBe("...@gmail.com");
    expect(mailboxKey("a@b@example.com")).toEqual({ address: "a@b@example.com", domain: "example.com" });
  });
});

describe("networkKey", () => {
  it("counts an IPv4 client by its address", () => {
    expect(networkKey("203.0.113.9")).toBe("203.0.113.9");
    expect(networkKey("203.0.113.9", 48)).toBe("203.0.113.9");
  });

  it("counts an IPv6 client by its /64, and more loosely by its /48", () => {
    expect(networkKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(networkKey("2001:0db8:0001:0002::1")).toBe("2001:db8:1:2::/64");
    expect(networkKey("2001:db8:1:2::ffff")).toBe(networkKey("2001:db8:1:2:1234:5678:9abc:def0"));
    expect(networkKey("2001:db8:1:3::1")).not.toBe(networkKey("2001:db8:1:2::1"));
    expect(networkKey("2001:db8:1:3::1", 48)).toBe("2001:db8:1::/48");
    expect(networkKey("2001:DB8:1:ffff::1", 48)).toBe(networkKey("2001:db8:1:2::1", 48));
    expect(networkKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(networkKey("::1")).toBe("0:0:0:0::/64");
  });

  it("expands every IPv6 spelling to the same groups", () => {
    expect(ipv6Groups("2001:db8::1")).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    expect(ipv6Groups("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(ipv6Groups("64:ff9b::192.0.2.33")).toEqual([0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x221]);
    expect(ipv6Groups("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ipv6Groups("not-an-ip")).toBeNull();
    expect(ipv6Groups("203.0.113.9")).toBeNull();
  });

  it("leaves anything that is not an address as one shared bucket", () => {
    expect(networkKey("unknown")).toBe("unknown");
    expect(networkKey("unknown", 48)).toBe("unknown");
  });
});
