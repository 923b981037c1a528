// BullMQ keeps jobs as ordinary keys: a Redis that evicts keys under memory
// pressure silently loses queued work. Say so loudly at start-up — on a
// cluster, for each master (a replica promoted later has its own setting, so
// give every node the same configuration).
import { asCluster, createRedis } from "@backline/queue";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

const CHECK_TIMEOUT_MS = 5000;

export async function warnAboutRedisConfig(redisUrl: string, log: Logger): Promise<void> {
  // A connection that waits until it is ready (a producer one fails a command sent while
  // it is still connecting, which made this check silently never run), bounded here.
  const redis = createRedis(redisUrl, "worker");
  try {
    const within = <T>(promise: Promise<T>) =>
      Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS).unref())]);
    const cluster = asCluster(redis);
    if (!cluster) {
      const policy = await within(policyOf(redis));
      if (policy !== "noeviction") warn(log, policy);
      return;
    }
    if (cluster.status !== "ready") await within(new Promise((resolve) => cluster.once("ready", resolve)));
    const masters = cluster.nodes("master");
    const policies = await within(Promise.all(masters.map((node) => policyOf(node).catch(() => null))));
    masters.forEach((node, i) => {
      const policy = policies[i];
      if (policy && policy !== "noeviction") warn(log, policy, `${node.options.host}:${node.options.port}`);
    });
  } catch {
    // CONFIG is often disabled on managed Redis; nothing to check then.
  } finally {
    redis.disconnect();
  }
}

async function policyOf(redis: Redis): Promise<string> {
  const [, policy] = (await redis.config("GET", "maxmemory-policy")) as [string, string];
  return policy;
}

function warn(log: Logger, policy: string, node?: string) {
  log.warn(
    { policy, ...(node ? { node } : {}) },
    `Redis${node ? ` node ${node}` : ""} maxmemory-policy is "${policy}"; set it to "noeviction" or Redis may drop queued jobs under memory pressure`,
  );
}
