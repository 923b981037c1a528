// Separate "hosts" on one machine: each a Linux network namespace of its own
// (`ip netns`, iproute2), joined to this one by a veth pair on a bridge, on a
// /24 of 10.213.x.0 chosen free at run time. Processes started in a namespace
// see only its loopback and the bridge: Postgres, Redis and the SMTP sink,
// which listen on this machine's loopback, are reached through TCP forwarders
// on the bridge's address — so every connection of theirs crosses the link,
// and cutting the link (its host end down: packets dropped, no reset, as a
// pulled cable or a partition) stalls all of them at once. Everything is
// removed by destroy(), or by the cleanup registry on failure or Ctrl-C.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { onCleanup } from "@backline/test-kit";

interface Host {
  name: string;
  /** The namespace (`ip netns exec <netns> …`). */
  netns: string;
  /** Its address on the bridge. */
  address: string;
  /** The veth end on this machine's side: down = cut off. */
  link: string;
}

export interface Network {
  /** This machine's address on the bridge: where the hosts reach the forwarders. */
  gateway: string;
  hosts: Map<string, Host>;
  /** Forwards `gateway:<port>` to 127.0.0.1:`targetPort`; answers the port. */
  forward(targetPort: number): Promise<number>;
  /** The host a forwarded connection came from, by the source port the target saw (its upstream end's local port). */
  originOf(forwardedPort: number): string | undefined;
  /** Drops every packet between `host` and everything else until heal(). */
  cut(host: string): void;
  heal(host: string): void;
  /** The command and arguments that run `command args` inside `host`. */
  inside(host: string, command: string, args: string[]): [string, string[]];
  destroy(): Promise<void>;
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });

/** Why namespaces can't be made here (not root, no iproute2, a kernel without them), or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (process.getuid?.() !== 0) return "network namespaces need root (ip netns add)";
  const probe = `backline-probe-${randomBytes(3).toString("hex")}`;
  try {
    ip("netns", "add", probe);
    ip("netns", "del", probe);
    return null;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return `ip netns add failed: ${stderr || (err as Error).message}`;
  }
}

/** A /24 of 10.213.0.0/16 that no interface here uses. */
function freeSubnet(): string {
  const used = execFileSync("ip", ["-4", "-o", "addr", "show"], { encoding: "utf8" });
  for (let tries = 0; tries < 50; tries++) {
    const x = 1 + Math.floor(Math.random() * 254);
    if (!used.includes(` 10.213.${x}.`)) return `10.213.${x}`;
  }
  throw new Error("no free /24 in 10.213.0.0/16");
}

export async function createNetwork(names: string[]): Promise<Network> {
  const id = randomBytes(2).toString("hex");
  const subnet = freeSubnet();
  const gateway = `${subnet}.1`;
  const bridge = `blb${id}`;
  const hosts = new Map<string, Host>();
  const servers = new Set<net.Server>();
  const sockets = new Set<net.Socket>();
  /** Upstream local port → the host whose connection it carries. */
  const origins = new Map<number, string>();
  let destroyed = false;

  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    for (const socket of sockets) socket.destroy();
    await Promise.all([...servers].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    // A namespace's veth end goes with it, and the host end with its peer.
    for (const host of hosts.values()) {
      try {
        ip("netns", "del", host.netns);
      } catch {
        // already gone
      }
    }
    try {
      ip("link", "del", bridge);
    } catch {
      // already gone
    }
  };
  const forget = onCleanup(`remove network namespaces backline-${id}-*`, destroy);

  ip("link", "add", bridge, "type", "bridge");
  ip("addr", "add", `${gateway}/24`, "dev", bridge);
  ip("link", "set", bridge, "up");
  names.forEach((name, i) => {
    const netns = `backline-${id}-${name}`;
    const link = `blh${id}${i}`;
    const inner = `bln${id}${i}`;
    const address = `${subnet}.${i + 2}`;
    ip("netns", "add", netns);
    hosts.set(name, { name, netns, address, link });
    ip("link", "add", link, "type", "veth", "peer", "name", inner);
    ip("link", "set", inner, "netns", netns);
    ip("link", "set", link, "master", bridge);
    ip("link", "set", link, "up");
    ip("-n", netns, "addr", "add", `${address}/24`, "dev", inner);
    ip("-n", netns, "link", "set", inner, "up");
    ip("-n", netns, "link", "set", "lo", "up");
  });

  const host = (name: string) => {
    const h = hosts.get(name);
    if (!h) throw new Error(`no host ${name} in this network`);
    return h;
  };

  return {
    gateway,
    hosts,
    async forward(targetPort) {
      const server = net.createServer((client) => {
        const upstream = net.connect(targetPort, "127.0.0.1");
        const from = [...hosts.values()].find((h) => h.address === client.remoteAddress?.replace(/^::ffff:/, ""))?.name;
        upstream.once("connect", () => {
          if (from && upstream.localPort) origins.set(upstream.localPort, from);
        });
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          // Either side failing ends both, as a broken connection would.
          s.on("error", () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      servers.add(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, gateway, () => resolve());
      });
      return (server.address() as net.AddressInfo).port;
    },
    originOf: (port) => origins.get(port),
    cut: (name) => ip("link", "set", host(name).link, "down"),
    heal: (name) => ip("link", "set", host(name).link, "up"),
    inside: (name, command, args) => ["ip", ["netns", "exec", host(name).netns, command, ...args]],
    async destroy() {
      forget();
      await destroy();
    },
  };
}
