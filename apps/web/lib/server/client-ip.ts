// The address a request came from, for per-address limits and the download log.
import "server-only";
import { isIP } from "node:net";
import { webEnv } from "./env";

/**
 * The client's address from X-Forwarded-For as apps/web/server.mjs (what
 * `npm run start:web` runs) leaves it: with TRUSTED_PROXY_HOPS=0 the header
 * holds only the TCP peer's address, whatever the client sent; with N trusted
 * proxies the server appends the peer (the nearest proxy) like a proxy would,
 * and the client is the entry the outermost trusted proxy wrote: N + 1 from
 * the right. Fewer entries than that (a request that skipped the proxies)
 * falls back to the first. Not an IP address → "unknown" (one shared bucket:
 * junk never buys a fresh limit).
 *
 * Under `next dev` or a bare `next start` nothing rewrites the header, so a
 * client can choose its address there; per-user limits hold either way.
 */
export function clientIp(headers: Headers, trustedProxyHops: number = webEnv().TRUSTED_PROXY_HOPS): string {
  const entries = (headers.get("x-forwarded-for") ?? "").split(",").map((s) => s.trim());
  const entry = entries.at(-(trustedProxyHops + 1)) ?? entries[0] ?? "";
  const ip = [entry, withoutPort(entry)].find((candidate) => isIP(candidate));
  // An IPv4 client reaching a dual-stack socket shows up as ::ffff:a.b.c.d: one client, one address.
  return ip?.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1") ?? "unknown";
}

/** Some proxies write `1.2.3.4:5678` or `[2001:db8::1]:5678`. */
function withoutPort(entry: string): string {
  return entry.match(/^\[([^\]]+)\](?::\d+)?$/)?.[1] ?? entry.match(/^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/)?.[1] ?? entry;
}
