// Redis connections, following BullMQ's production guidance: producers fail
// fast (a web request must never hang on Redis), workers wait and reconnect;
// subscribers wait too, without ioredis's ready check (see below). Every
// connection Backline makes comes from here, to one Redis or — when the
// address is a cluster's (REDIS_CLUSTER_NODES, see @backline/config's
// redis-target.ts) — to a Redis Cluster, with the same options per role.
import { clusterNodesText, parseClusterRedisUrl, redactUrl, type RedisClusterAddress } from "@backline/config";
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";

export type ConnectionRole = "producer" | "worker" | "subscriber";

const ROLE_OPTIONS: Record<ConnectionRole, RedisOptions> = {
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 },
  worker: { maxRetriesPerRequest: null, enableReadyCheck: true },
  // For connections that only SUBSCRIBE. ioredis writes a SUBSCRIBE made just after
  // connecting before its ready check (the command is allowed while Redis loads);
  // the check's INFO is then refused in subscriber mode and the connection fails
  // and reconnects, over and over if subscribes keep coming. No check, no race.
  subscriber: { maxRetriesPerRequest: null, enableReadyCheck: false },
};

/**
 * The same roles on a cluster. `enableOfflineQueue` is the Cluster's own option
 * (a producer's command fails at once while the cluster is not ready, or while
 * the node owning its slot is not connected); the per-node ones go in
 * `redisOptions`. A cluster's ready check is CLUSTER INFO on an ordinary node
 * connection (cluster_state:ok), never on the subscriber connection, so it
 * stays on for every role; ioredis makes its own subscriber connections, for
 * SUBSCRIBE on one node and SSUBSCRIBE on each shard's master
 * (`shardedSubscribers`, only where something subscribes).
 */
const CLUSTER_ROLE_OPTIONS: Record<ConnectionRole, { cluster: ClusterOptions; node: RedisOptions }> = {
  producer: { cluster: { enableOfflineQueue: false }, node: { maxRetriesPerRequest: 1, connectTimeout: 2000 } },
  worker: { cluster: { enableOfflineQueue: true }, node: { maxRetriesPerRequest: null } },
  subscriber: { cluster: { enableOfflineQueue: true, shardedSubscribers: true }, node: { maxRetriesPerRequest: null } },
};

/** The per-node options every connection to a cluster's nodes shares: REDIS_URL's credentials and TLS. */
function nodeOptions(address: RedisClusterAddress): RedisOptions {
  return {
    ...(address.username ? { username: address.username } : {}),
    ...(address.password !== undefined ? { password: address.password } : {}),
    ...(address.tls ? { tls: {} } : {}),
  };
}

/** What a connection to `address` (a cluster) gets for `role`: for createRedis, and for tools that make their own. */
export function clusterOptions(address: RedisClusterAddress, role: ConnectionRole): ClusterOptions {
  const { cluster, node } = CLUSTER_ROLE_OPTIONS[role];
  return { ...cluster, redisOptions: { ...nodeOptions(address), ...node } };
}

/**
 * A connection for `role` to the Redis at `url` (REDIS_URL as parseEnv leaves
 * it). On a cluster address it is an ioredis Cluster, typed as Redis: both
 * take the same commands, and Backline uses nothing else of it — BullMQ takes
 * either; pub/sub goes through pubsub.ts; the few things that differ (SCAN,
 * CONFIG and readiness, which must ask every master or the cluster's state)
 * check `isCluster` (asCluster below).
 */
export function createRedis(url: string, role: ConnectionRole): Redis {
  const cluster = parseClusterRedisUrl(url);
  if (!cluster) return new Redis(url, ROLE_OPTIONS[role]);
  return new Cluster(cluster.nodes, clusterOptions(cluster, role)) as unknown as Redis;
}

/** The connection as a Cluster when it is one (createRedis on a cluster address), else null. */
export function asCluster(redis: Redis): Cluster | null {
  return (redis as Redis | Cluster).isCluster ? (redis as unknown as Cluster) : null;
}

/**
 * Whether a connection can serve Backline now: PING on one Redis; on a
 * cluster, CLUSTER INFO's `cluster_state:ok` (a PING answers while a master is
 * down and its slots refuse every command). Rejects otherwise.
 */
export async function redisAnswers(redis: Redis): Promise<void> {
  const cluster = asCluster(redis);
  if (!cluster) {
    await redis.ping();
    return;
  }
  const info = String(await cluster.cluster("INFO"));
  const state = /cluster_state:(\w+)/.exec(info)?.[1];
  if (state !== "ok") throw new Error(`the Redis Cluster's state is ${state ?? "unknown"}`);
}

/**
 * Start-up check. Resolves to null when Redis answers PING (a cluster: is
 * reachable and its state ok), or to one line naming the setting and what went
 * wrong. Never waits longer than timeoutMs.
 */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<string | null> {
  const address = parseClusterRedisUrl(url);
  if (address) return checkCluster(address, timeoutMs);
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  redis.on("error", () => {}); // reported below instead
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (err) {
    return `Cannot reach Redis at REDIS_URL=${redactUrl(url)}: ${(err as Error).message || String(err)}`;
  } finally {
    redis.disconnect();
  }
}

async function checkCluster(address: RedisClusterAddress, timeoutMs: number): Promise<string | null> {
  const cluster = new Cluster(address.nodes, {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: () => null,
    slotsRefreshTimeout: timeoutMs,
    redisOptions: { ...nodeOptions(address), connectTimeout: timeoutMs, maxRetriesPerRequest: 0 },
  });
  // What a node said is the useful part ("connect ECONNREFUSED …", "WRONGPASS …"), not the cluster's summary of it.
  let nodeError: string | null = null;
  cluster.on("error", () => {});
  cluster.on("node error", (err: Error, node: string) => {
    nodeError = `${node}: ${err.message}`;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([cluster.connect().then(() => redisAnswers(cluster as unknown as Redis)), timeout]);
    return null;
  } catch (err) {
    const message = (err as Error).message || String(err);
    const why = message.startsWith("the Redis Cluster's state") ? message : (nodeError ?? message);
    return `Cannot reach the Redis Cluster at REDIS_CLUSTER_NODES=${clusterNodesText(address)}: ${why}`;
  } finally {
    clearTimeout(timer);
    cluster.disconnect();
  }
}
