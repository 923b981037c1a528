// A subscriber connection that subscribes the moment it connects (an SSE
// stream opened while the web process was still connecting, a reconnect)
// must end up subscribed, not fail its ready check and reconnect (real Redis).
import { randomUUID } from "node:crypto";
import { waitUntil } from "@backline/test-kit";
import { describe, expect, it } from "vitest";
import { createRedis } from "../src/index.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

describe("subscriber connections", () => {
  it("stay subscribed when SUBSCRIBE is sent right after connecting", async () => {
    const channel = `backline-test:subscriber:${randomUUID()}`;
    const subscriber = createRedis(REDIS_URL, "subscriber");
    const reader = createRedis(REDIS_URL, "worker");
    const errors: string[] = [];
    let connects = 0;
    subscriber.on("error", (err: Error) => errors.push(err.message));
    subscriber.on("connect", () => {
      connects += 1;
      if (connects === 1) void subscriber.subscribe(channel);
    });
    const received: string[] = [];
    subscriber.on("message", (_channel: string, message: string) => received.push(message));
    try {
      await waitUntil(async () => ((await reader.pubsub("NUMSUB", channel)) as [string, number])[1] === 1, { timeoutMs: 5000, what: "the subscription" });
      // A message through the subscription comes after any reply to the ready check on the
      // same connection, so once it arrives a failed check would already have shown.
      await waitUntil(async () => (await reader.publish(channel, "ping"), received.includes("ping")), {
        timeoutMs: 5000,
        what: "a message through the subscription",
      });
      expect(errors).toEqual([]);
      expect(connects).toBe(1);
      expect(subscriber.status).toBe("ready");
    } finally {
      subscriber.disconnect();
      reader.disconnect();
    }
  });
});
