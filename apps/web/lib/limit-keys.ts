// What abuse limits count by, so that one mailbox or one network can't buy a
// fresh limit by writing itself differently. Used only for rate-limit keys
// (rate-limits.ts): accounts stay keyed by the lower-cased address as typed,
// so two spellings are never merged into one account.
import { isIPv4, isIPv6 } from "node:net";

/** Mail providers that ignore dots in the local part; googlemail.com is gmail.com. */
const DOTS_IGNORED = new Set(["gmail.com"]);
const DOMAIN_ALIASES: Record<string, string> = { "googlemail.com": "gmail.com" };

/**
 * The mailbox an address delivers to, as far as limits are concerned:
 * lower-cased, `+tag` stripped (every major provider delivers a+tag@ to a@;
 * where one doesn't, two mailboxes merely share a limit), dots in the local
 * part stripped for gmail.com, googlemail.com counted as gmail.com, a
 * trailing dot on the domain dropped. `domain` is the normalised domain (for
 * the per-domain limit).
 */
export function mailboxKey(email: string): { address: string; domain: string } {
  const lower = email.trim().toLowerCase();
  const at = lower.lastIndexOf("@");
  if (at < 0) return { address: lower, domain: "" };
  let local = lower.slice(0, at);
  let domain = lower.slice(at + 1).replace(/\.+$/, "");
  domain = DOMAIN_ALIASES[domain] ?? domain;
  const plus = local.indexOf("+");
  if (plus > 0) local = local.slice(0, plus);
  if (DOTS_IGNORED.has(domain)) local = local.replaceAll(".", "") || local;
  return { address: `${local}@${domain}`, domain };
}

/**
 * The bucket a client address counts in: an IPv4 address as it is; an IPv6
 * address by its network of `prefixBits` (64: one subscriber's LAN, which
 * hands its hosts any number of addresses; 48: a typical site or customer
 * allocation), written `2001:db8:1:2::/64`. Anything else (e.g. "unknown")
 * is returned as it is: one shared bucket.
 */
export function networkKey(ip: string, prefixBits: 48 | 64 = 64): string {
  if (isIPv4(ip)) return ip;
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  const kept = groups.slice(0, prefixBits / 16).map((g) => g.toString(16));
  return `${kept.join(":")}::/${prefixBits}`;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped, embedded IPv4 tail expanded), or null. */
export function ipv6Groups(ip: string): number[] | null {
  const address = ip.replace(/%.*$/, "");
  if (!isIPv6(address)) return null;
  let text = address;
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/)?.[1];
  if (v4) {
    const [a, b, c, d] = v4.split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}
