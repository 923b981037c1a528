// Where Redis is, as one string every process passes around: REDIS_URL for one
// server, or — with REDIS_CLUSTER_NODES set — a cluster address that keeps
// REDIS_URL's scheme and credentials and lists the cluster's seed nodes as its
// hosts: `redis://user:pass@10.0.0.1:7000,10.0.0.2:7000` (the multi-host form
// Lettuce and libpq use). parseEnv makes it (finishRedisSettings), so every
// `createRedis(env.REDIS_URL, …)` gets a Cluster without knowing; only
// createRedis and the few tools that must tell the two apart read it.
//
// And the queue prefix on a cluster: BullMQ's scripts and Backline's own (rate
// limits, send rate, stream leases) touch several keys at once, which a cluster
// allows only within one hash slot. Every key Backline writes starts with
// QUEUE_PREFIX, so a prefix with a hash tag (`{backline}`) puts them all in one
// slot; a prefix without one is wrapped (`backline` → `{backline}`).

export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisClusterAddress {
  nodes: RedisNode[];
  username?: string;
  password?: string;
  /** rediss:// — TLS to every node. */
  tls: boolean;
}

const NODE = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** One `host:port` of REDIS_CLUSTER_NODES (IPv6 in brackets: `[::1]:7000`), or null when it is not one. */
export function parseRedisNode(value: string): RedisNode | null {
  const m = NODE.exec(value.trim());
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

const nodeText = (n: RedisNode) => (n.host.includes(":") ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`);

const SCHEME_AND_USER = /^(rediss?):\/\/(?:([^@/?#]*)@)?([^/?#]*)/i;

/** REDIS_URL's scheme and credentials with the seed nodes as hosts; REDIS_URL's own host, database and options are dropped. */
export function clusterRedisUrl(redisUrl: string, nodes: readonly RedisNode[]): string {
  const m = SCHEME_AND_USER.exec(redisUrl);
  if (!m) throw new Error("REDIS_URL must be a redis:// or rediss:// URL");
  return `${m[1]!.toLowerCase()}://${m[2] ? `${m[2]}@` : ""}${nodes.map(nodeText).join(",")}`;
}

/** The cluster a cluster address names, or null when `url` names one server (a plain REDIS_URL). */
export function parseClusterRedisUrl(url: string): RedisClusterAddress | null {
  const m = SCHEME_AND_USER.exec(url);
  if (!m || !m[3]!.includes(",")) return null;
  const nodes = m[3]!.split(",").map((n) => parseRedisNode(n));
  if (nodes.some((n) => n === null)) return null;
  const [user, password] = m[2] === undefined ? [] : splitUserInfo(m[2]);
  return {
    nodes: nodes as RedisNode[],
    ...(user ? { username: user } : {}),
    ...(password !== undefined ? { password } : {}),
    tls: m[1]!.toLowerCase() === "rediss",
  };
}

function splitUserInfo(info: string): [string | undefined, string | undefined] {
  const at = info.indexOf(":");
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  if (at < 0) return [decode(info) || undefined, undefined];
  return [decode(info.slice(0, at)) || undefined, decode(info.slice(at + 1))];
}

/** A URL of one Redis: redis:// or rediss:// with a host. */
export function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return /^rediss?:$/.test(url.protocol) && url.hostname !== "";
  } catch {
    return false;
  }
}

/** The seed nodes of a cluster address as REDIS_CLUSTER_NODES spells them (for messages: no credentials). */
export const clusterNodesText = (address: RedisClusterAddress) => address.nodes.map(nodeText).join(",");

/** The hash tag Redis Cluster hashes a key by (the text between its first `{` and the next `}`, if not empty), or null. */
export function hashTagOf(key: string): string | null {
  const open = key.indexOf("{");
  if (open < 0) return null;
  const close = key.indexOf("}", open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : null;
}

/** A queue prefix whose keys all share one hash slot: as it is when it has a hash tag, else wrapped in one. */
export const withHashTag = (prefix: string) => (hashTagOf(prefix) === null ? `{${prefix}}` : prefix);

/**
 * What parseEnv does with the Redis settings once they are valid: with
 * REDIS_CLUSTER_NODES, REDIS_URL becomes the cluster address; on a cluster
 * (that, or a REDIS_URL that already is one: a process handing its address to
 * another) QUEUE_PREFIX gets a hash tag. Only touches a parsed environment
 * that has those settings.
 */
export function finishRedisSettings<T>(env: T): T {
  const e = env as { REDIS_URL?: unknown; REDIS_CLUSTER_NODES?: unknown; QUEUE_PREFIX?: unknown };
  const nodes = Array.isArray(e.REDIS_CLUSTER_NODES) && e.REDIS_CLUSTER_NODES.length > 0 ? (e.REDIS_CLUSTER_NODES as RedisNode[]) : null;
  const url = typeof e.REDIS_URL === "string" ? e.REDIS_URL : null;
  if (!nodes && !(url && parseClusterRedisUrl(url))) return env;
  const out = { ...env } as typeof e;
  if (url && nodes) out.REDIS_URL = clusterRedisUrl(url, nodes);
  if (typeof e.QUEUE_PREFIX === "string") out.QUEUE_PREFIX = withHashTag(e.QUEUE_PREFIX);
  return out as T;
}
