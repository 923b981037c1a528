// One subscriber connection, many listeners: the hub subscribes a report's
// channel on the first listener and lets go after the last (real Redis).
import { randomUUID } from "node:crypto";
import { createRedis } from "@backline/queue";
import { uniqueQueuePrefix, waitUntil } from "@backline/test-kit";
import { afterAll, describe, expect, it } from "vitest";
import { ReportUpdateHub, reportUpdatesChannel, type ReportUpdate } from "../src/index.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = uniqueQueuePrefix("hub");
const subscriber = createRedis(REDIS_URL, "subscriber");
const publisher = createRedis(REDIS_URL, "worker");
afterAll(() => {
  subscriber.disconnect();
  publisher.disconnect();
});

const fakeUpdate = (id: string, progress: number) => JSON.stringify({ report: { id, progress }, event: null, publishedAt: Date.now() });
const subscribers = async (channel: string) => ((await publisher.pubsub("NUMSUB", channel)) as [string, number])[1];

describe("ReportUpdateHub", () => {
  it("fans one channel out to every listener and unsubscribes after the last", async () => {
    const hub = new ReportUpdateHub(subscriber, prefix);
    const id = randomUUID();
    const channel = reportUpdatesChannel(prefix, id);
    const a: ReportUpdate[] = [];
    const b: ReportUpdate[] = [];
    const offA = await hub.subscribe(id, (u) => a.push(u));
    const offB = await hub.subscribe(id, (u) => b.push(u));
    // NUMSUB is read on another connection: give the server a moment to show the subscription.
    await waitUntil(async () => (await subscribers(channel)) > 0, { timeoutMs: 5000, what: "the subscription" });
    expect(await subscribers(channel)).toBe(1); // one Redis subscription for both pages
    expect(hub.openChannels).toBe(1);

    await publisher.publish(channel, fakeUpdate(id, 10));
    await waitUntil(async () => a.length === 1 && b.length === 1, { timeoutMs: 5000, what: "both listeners" });
    expect(a[0]!.report.progress).toBe(10);

    await offA();
    await publisher.publish(channel, fakeUpdate(id, 20));
    await waitUntil(async () => b.length === 2, { timeoutMs: 5000, what: "the remaining listener" });
    expect(a).toHaveLength(1);

    await offB();
    await offB(); // idempotent
    expect(hub.openChannels).toBe(0);
    await waitUntil(async () => (await subscribers(channel)) === 0, { timeoutMs: 5000, what: "the unsubscribe" });
  });

  it("reaches every process: two hubs on their own connections both get each update", async () => {
    const otherSubscriber = createRedis(REDIS_URL, "subscriber");
    const webA = new ReportUpdateHub(subscriber, prefix);
    const webB = new ReportUpdateHub(otherSubscriber, prefix);
    const id = randomUUID();
    const got: string[] = [];
    const offA = await webA.subscribe(id, () => got.push("a"));
    const offB = await webB.subscribe(id, () => got.push("b"));
    await publisher.publish(reportUpdatesChannel(prefix, id), fakeUpdate(id, 5));
    await waitUntil(async () => got.length === 2, { timeoutMs: 5000, what: "both processes" });
    expect(got.sort()).toEqual(["a", "b"]);
    await offA();
    await offB();
    otherSubscriber.disconnect();
  });

  it("keeps reports apart", async () => {
    const hub = new ReportUpdateHub(subscriber, prefix);
    const [x, y] = [randomUUID(), randomUUID()];
    const got: string[] = [];
    const off = await hub.subscribe(x, (u) => got.push(u.report.id));
    await publisher.publish(reportUpdatesChannel(prefix, y), fakeUpdate(y, 1));
    await publisher.publish(reportUpdatesChannel(prefix, x), fakeUpdate(x, 1));
    await waitUntil(async () => got.length > 0, { timeoutMs: 5000, what: "the update" });
    expect(got).toEqual([x]);
    await off();
  });
});
