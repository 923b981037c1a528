// The address a request came from, for per-address limits and the download log.
import "server-only";
import { isIP } from "node:net";
import { webEnv } from "./env";

/**
 * X-Forwarded-For's entry written by the outermost trusted proxy
 * (TRUSTED_PROXY_HOPS from the right; the last entry when 0 or 1), or
 * "unknown" when that entry is not an IP address (one shared bucket: junk
 * never buys a fresh limit). `next start` only fills the header with the
 * socket's address when the client sent none, so without a proxy that appends
 * to it (nginx `$proxy_add_x_forwarded_for`, Caddy, load balancers) a client
 * can choose its address; per-user limits hold either way.
 */
export function clientIp(headers: Headers, trustedProxyHops: number = webEnv().TRUSTED_PROXY_HOPS): string {
  const entries = (headers.get("x-forwarded-for") ?? "").split(",").map((s) => s.trim());
  const entry = entries.at(-Math.max(1, trustedProxyHops)) ?? entries[0] ?? "";
  const ip = [entry, withoutPort(entry)].find((candidate) => isIP(candidate));
  // An IPv4 client reaching a dual-stack socket shows up as ::ffff:a.b.c.d: one client, one address.
  return ip?.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1") ?? "unknown";
}

/** Some proxies write `1.2.3.4:5678` or `[2001:db8::1]:5678`. */
function withoutPort(entry: string): string {
  return entry.match(/^\[([^\]]+)\](?::\d+)?$/)?.[1] ?? entry.match(/^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/)?.[1] ?? entry;
}
