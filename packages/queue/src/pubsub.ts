// Backline's pub/sub (live report updates, cancel broadcasts) on one Redis or a
// cluster. On a cluster it is sharded pub/sub: SPUBLISH reaches only the
// shard that owns the channel's slot, where plain PUBLISH is copied to every
// node over the cluster bus; every channel carries the queue prefix's hash tag,
// so all of them live on one shard, whose master the subscriber follows through
// a failover (ioredis resubscribes on the promoted replica). On one Redis it is
// plain PUBLISH/SUBSCRIBE, which any Redis version has. Publisher and
// subscriber decide alike, from their own connection, so both sides of a
// deployment (every process has REDIS_CLUSTER_NODES, or none does) agree.
// Pub/sub may drop a message either way (a failover, a reconnect): what is
// sent this way is also in Postgres.
import type { Redis } from "ioredis";
import { asCluster } from "./connection.ts";

/** Publishes `message` on `channel`; resolves to how many subscribers got it. */
export async function publish(redis: Redis, channel: string, message: string): Promise<number> {
  const cluster = asCluster(redis);
  return cluster ? Number(await cluster.spublish(channel, message)) : redis.publish(channel, message);
}

export async function subscribe(subscriber: Redis, channel: string): Promise<void> {
  const cluster = asCluster(subscriber);
  await (cluster ? cluster.ssubscribe(channel) : subscriber.subscribe(channel));
}

export async function unsubscribe(subscriber: Redis, channel: string): Promise<void> {
  const cluster = asCluster(subscriber);
  await (cluster ? cluster.sunsubscribe(channel) : subscriber.unsubscribe(channel));
}

/** Calls `listener` for each message on a channel this connection subscribed to with subscribe(). */
export function onMessage(subscriber: Redis, listener: (channel: string, message: string) => void): void {
  subscriber.on(asCluster(subscriber) ? "smessage" : "message", listener);
}
