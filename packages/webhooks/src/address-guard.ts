// SSRF guard for webhook receivers. A receiver URL is ours to call, from inside
// the network: it must not reach loopback, private, link-local (cloud metadata
// at 169.254.169.254), CGNAT, multicast or otherwise reserved addresses — checked
// on every address the name resolves to, when it is registered and again when
// each delivery connects (the delivery's own DNS lookup is the checked one, so a
// name that changes its answer in between gains nothing). WEBHOOK_ALLOWED_HOSTS
// lets named hosts through (local receivers in development and tests); with an
// https:// APP_URL (production) receivers must be https:// too.
import { lookup } from "node:dns/promises";
import { BlockList, isIP, type LookupFunction } from "node:net";
import dns from "node:dns";

const blocked = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  blocked.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const)
  blocked.addSubnet(net, bits, "ipv6");

// IPv4-mapped IPv6 (::ffff:a.b.c.d) is not listed: BlockList would match every IPv4 address against it; it is checked as its IPv4 address instead.

/** False for loopback, private, link-local, CGNAT, documentation, multicast and reserved addresses (IPv4-mapped IPv6 as its IPv4). */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]!);
  // The same in hex, as URLs write it: [::ffff:127.0.0.1] becomes [::ffff:7f00:1].
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [hi, lo] = [Number.parseInt(hex[1]!, 16), Number.parseInt(hex[2]!, 16)];
    return isPublicAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  const family = isIP(address);
  if (family === 0) return false;
  return !blocked.check(address, family === 4 ? "ipv4" : "ipv6");
}

export interface ReceiverPolicy {
  /** WEBHOOK_ALLOWED_HOSTS, lower-case. */
  allowedHosts: readonly string[];
  /** Production (an https:// APP_URL): receivers must be https:// too. */
  requireHttps: boolean;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, "").toLowerCase();

/** Why this URL may not be a receiver, or null when it may. Resolves the name (every address it has must be public). */
export async function receiverProblem(raw: string, policy: ReceiverPolicy): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Must be a URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "Must be an http:// or https:// URL";
  if (policy.requireHttps && url.protocol !== "https:") return "Must be an https:// URL";
  if (url.username || url.password) return "Must not carry a user name or password";
  const host = hostOf(url);
  if (policy.allowedHosts.includes(host)) return null;
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      return `The host ${host} does not resolve`;
    }
  }
  const internal = addresses.find((a) => !isPublicAddress(a));
  return internal
    ? `The host ${host} resolves to ${internal}, a loopback, private or reserved address; receivers must be reachable on the public internet (WEBHOOK_ALLOWED_HOSTS lets named hosts through)`
    : null;
}

/**
 * A `lookup` for http(s).request that refuses to connect to a non-public address
 * unless the host is allowed: the delivery connects only to what was checked.
 */
export function guardedLookup(allowedHosts: readonly string[]): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as unknown as dns.LookupAddress[];
      if (!allowedHosts.includes(hostname.toLowerCase())) {
        const internal = list.find((a) => !isPublicAddress(a.address));
        if (internal) {
          const refused = Object.assign(new Error(`Refused: ${hostname} resolves to ${internal.address}, not a public address`), { code: "EADDRREFUSED" });
          return callback(refused, "", 0);
        }
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** An IP literal in the URL skips DNS (and so the lookup): check it here. */
export function literalAddressRefused(url: URL, allowedHosts: readonly string[]): string | null {
  const host = hostOf(url);
  if (allowedHosts.includes(host) || !isIP(host)) return null;
  return isPublicAddress(host) ? null : `Refused: ${host} is not a public address`;
}
