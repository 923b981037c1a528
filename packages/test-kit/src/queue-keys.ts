// A test stack's Redis state: its queue prefix, removing everything under it,
// and reading its jobs through BullMQ's own Queue (no hard-coded key layout).
// On a Redis Cluster (REDIS_URL a cluster address, or REDIS_CLUSTER_NODES set:
// scripts/test-redis-cluster.ts runs tests so) prefixes carry a hash tag and
// keys are looked for on every master.
import { randomBytes } from "node:crypto";
import { parseClusterRedisUrl, type RedisClusterAddress } from "@backline/config";
import { Queue } from "bullmq";
import { Cluster, Redis } from "ioredis";

/** Whether this process's tests run against a Redis Cluster. */
export const testingOnCluster = () => Boolean(process.env.REDIS_CLUSTER_NODES?.trim() || parseClusterRedisUrl(process.env.REDIS_URL ?? ""));

/**
 * A QUEUE_PREFIX no other test run uses: `backline-<label>-<time><random>`; on a
 * cluster `{backline-…}`, the hash tag the apps would add (so keys the test
 * computes from it are the apps' keys).
 */
export const uniqueQueuePrefix = (label = "test") => {
  const prefix = `backline-${label}-${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  return testingOnCluster() ? `{${prefix}}` : prefix;
};

/** Every key matching `pattern` (SCAN), on one Redis or on every master of a cluster; `each` gets them in batches. */
async function scanKeys(redisUrl: string, pattern: string, each: (redis: Redis, keys: string[]) => Promise<void>): Promise<void> {
  const cluster = parseClusterRedisUrl(redisUrl);
  const connection = cluster ? await connectCluster(cluster) : new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 3000 });
  connection.on("error", () => {}); // the commands below report it
  try {
    const nodes = connection instanceof Cluster ? connection.nodes("master") : [connection];
    for (const node of nodes) {
      for await (const keys of node.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>) {
        if (keys.length > 0) await each(node, keys);
      }
    }
  } finally {
    connection.disconnect();
  }
}

async function connectCluster(address: RedisClusterAddress): Promise<Cluster> {
  const cluster = new Cluster(address.nodes, {
    lazyConnect: true,
    redisOptions: {
      username: address.username,
      password: address.password,
      ...(address.tls ? { tls: {} } : {}),
      maxRetriesPerRequest: 1,
      connectTimeout: 3000,
    },
  });
  cluster.on("error", () => {});
  await cluster.connect();
  return cluster;
}

/** The keys matching `pattern` (e.g. `<prefix>:rate:*`), wherever they are. */
export async function listKeys(redisUrl: string, pattern: string): Promise<string[]> {
  const found: string[] = [];
  await scanKeys(redisUrl, pattern, async (_, keys) => void found.push(...keys));
  return found;
}

/**
 * Deletes every Redis key under a test stack's QUEUE_PREFIX, `<prefix>:*`: the
 * queues' jobs, events and meta (obliterate() leaves keys that workers write
 * while they shut down, and refuses while one still holds a lock) and what the
 * web keeps under the same prefix (rate-limit counters, stream leases). Only a
 * test prefix (`backline-…`, as uniqueQueuePrefix makes) is accepted, never the
 * production default.
 */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  if (!/^(backline-[\w.-]+|\{backline-[\w.-]+\})$/.test(prefix)) throw new Error(`refusing to delete the keys of "${prefix}", not a test queue prefix`);
  let deleted = 0;
  // One UNLINK per key on a cluster node: a batch may span slots (keys of other prefixes never match, but be plain).
  await scanKeys(redisUrl, `${prefix}:*`, async (node, keys) => {
    if (parseClusterRedisUrl(redisUrl)) for (const key of keys) deleted += await node.unlink(key);
    else deleted += await node.unlink(...keys);
  });
  return deleted;
}

/** Which jobs one queue of a stack holds, read with BullMQ's Queue.getJob. */
export interface QueueJobs {
  /** Ids (job ids) that have a job at all, finished or not. */
  present(ids: readonly string[]): Promise<Set<string>>;
  /** Ids that have a job not finished yet (waiting, delayed, active). */
  live(ids: readonly string[]): Promise<Set<string>>;
  close(): Promise<void>;
}

const BATCH = 500;

/**
 * A read-only view of queue `name` under `prefix`, on a connection the caller
 * owns (it is shared, not closed here: a client that reconnects quickly after a
 * Redis restart keeps working across it).
 */
export function queueJobs(connection: Redis | Cluster, prefix: string, name: string): QueueJobs {
  const queue = new Queue(name, { connection, prefix });
  queue.on("error", () => {}); // Redis going away is what chaos does on purpose; each read reports its own failure
  const jobs = async (ids: readonly string[]) => {
    const found: { id: string; name: string | undefined; finishedOn: number | undefined }[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      const read = await Promise.all(batch.map((id) => queue.getJob(id)));
      read.forEach((job, j) => {
        if (job) found.push({ id: batch[j]!, name: job.name, finishedOn: job.finishedOn });
      });
    }
    return found;
  };
  return {
    present: async (ids) => new Set((await jobs(ids)).map((j) => j.id)),
    live: async (ids) => new Set((await jobs(ids)).filter((j) => j.name && !j.finishedOn).map((j) => j.id)),
    close: () => queue.close(),
  };
}
