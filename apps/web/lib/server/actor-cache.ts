// Who a verified session cookie or API token belongs to, remembered by this
// web process for SESSION_CACHE_SECONDS (30 by default), so a signed-in
// request costs no database round trip most of the time.
//
// Ending credentials reaches every web process at once: sign-out (and Better
// Auth's other session endpoints), removing a user and revoking an API token
// call forgetUser(), which drops what this process remembers about the user
// and publishes the user's id on `<QUEUE_PREFIX>:credentials-revoked`; every
// web process subscribes to that channel (@backline/queue's pubsub: sharded
// on a Redis Cluster) and drops its entries too. Nothing is
// answered from memory while that subscription is not live (Redis down or
// reconnecting: every request reads the database, and the memory is emptied
// when the subscription comes back, since messages may have been missed
// meanwhile). A lookup that was under way when a revocation arrived is not
// remembered. So the cache only ever serves what the database said after the
// last revocation this process heard of; SESSION_CACHE_SECONDS bounds the rest
// (a session or token ended by hand in SQL, a message lost on a live
// connection). Bounded: at most MAX_ENTRIES, the oldest dropped first.
import "server-only";
import { createRedis, onMessage, publish, subscribe } from "@backline/queue";
import type { Redis } from "ioredis";
import { webEnv } from "./env";
import { publisher } from "./reports";

const MAX_ENTRIES = 10_000;

interface Entry {
  value: unknown;
  userId: string;
  /** ms since epoch: SESSION_CACHE_SECONDS after the lookup, or the credential's own expiry if sooner. */
  until: number;
}

/** What a lookup found: the value to remember, whose it is, and when the credential itself expires (null: never). */
export interface Found<T> {
  value: T;
  userId: string;
  expiresAt: Date | null;
}

interface State {
  entries: Map<string, Entry>;
  /** Counts revocations heard, so a lookup that overlapped one is not remembered. */
  epoch: number;
  /** Subscribed and connected: only then may memory answer. */
  live: boolean;
  subscriber?: Redis;
}

const globalForCache = globalThis as unknown as { backlineActorCache?: State };
const state = (): State => (globalForCache.backlineActorCache ??= { entries: new Map(), epoch: 0, live: false });

const channel = () => `${webEnv().QUEUE_PREFIX}:credentials-revoked`;

/** Starts listening for revocations (once per process). */
function listen(s: State): void {
  if (s.subscriber) return;
  const name = channel();
  const subscriber = createRedis(webEnv().REDIS_URL, "subscriber");
  s.subscriber = subscriber;
  subscriber.on("error", () => {});
  onMessage(subscriber, (from, userId) => {
    if (from === name) dropUser(s, userId);
  });
  // (Re)connected: anything published while we were away is unknown, so start from nothing, and answer
  // from memory again once the subscription is confirmed.
  subscriber.on("ready", () => {
    s.live = false;
    dropAll(s);
    subscribe(subscriber, name).then(
      () => {
        if (subscriber.status === "ready") s.live = true;
      },
      () => {},
    );
  });
  for (const event of ["close", "reconnecting", "end"]) {
    subscriber.on(event, () => {
      s.live = false;
      dropAll(s);
    });
  }
}

function dropAll(s: State): void {
  s.epoch += 1;
  s.entries.clear();
}

function dropUser(s: State, userId: string): void {
  s.epoch += 1;
  for (const [key, entry] of s.entries) if (entry.userId === userId) s.entries.delete(key);
}

/**
 * The value remembered under `key` (a credential, never a user id), or what `lookup` finds now — remembered
 * when it found something, the cache is on and live, and no revocation arrived while it looked.
 */
export async function remembered<T>(key: string, lookup: () => Promise<Found<T> | null>): Promise<T | null> {
  const ttlMs = webEnv().SESSION_CACHE_SECONDS * 1000;
  if (ttlMs === 0) return (await lookup())?.value ?? null;
  const s = state();
  listen(s);
  const now = Date.now();
  const hit = s.entries.get(key);
  if (hit) {
    if (s.live && hit.until > now) return hit.value as T;
    s.entries.delete(key);
  }
  const epoch = s.epoch;
  const found = await lookup();
  if (!found) return null;
  if (s.live && s.epoch === epoch) {
    if (s.entries.size >= MAX_ENTRIES) s.entries.delete(s.entries.keys().next().value!);
    s.entries.set(key, { value: found.value, userId: found.userId, until: Math.min(Date.now() + ttlMs, found.expiresAt?.getTime() ?? Infinity) });
  }
  return found.value;
}

/**
 * A user's sessions or tokens changed (signed out, removed, a token revoked): this process forgets them now,
 * and every other web process as soon as Redis delivers the message. Never throws (a publish that fails leaves
 * the others to SESSION_CACHE_SECONDS; with Redis down their memory is off anyway).
 */
export async function forgetUser(userId: string): Promise<void> {
  dropUser(state(), userId);
  await publish(publisher(), channel(), userId).catch(() => {});
}

/** Stops listening and forgets everything (tests). */
export function closeActorCache(): void {
  const s = state();
  s.live = false;
  dropAll(s);
  s.subscriber?.disconnect();
  s.subscriber = undefined;
}
