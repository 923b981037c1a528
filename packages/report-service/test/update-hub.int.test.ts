// One subscriber connection, many listeners: the hub subscribes a report's
// channel on the first listener and lets go after the last (real Redis, or a
// Redis Cluster: scripts/test-redis-cluster.ts, where it is sharded pub/sub).
import { randomUUID } from "node:crypto";
import { asCluster, createRedis, publish } from "@backline/queue";
import { uniqueQueuePrefix, waitUntil } from "@backline/test-kit";
import { afterAll, describe, expect, it } from "vitest";
import { ReportUpdateHub, reportUpdatesChannel, type ReportUpdate } from "../src/index.ts";
import { parseReportUpdate } from "../src/updates.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = uniqueQueuePrefix("hub");
const subscriber = createRedis(REDIS_URL, "subscriber");
const publisher = createRedis(REDIS_URL, "worker");
afterAll(() => {
  subscriber.disconnect();
  publisher.disconnect();
});

/** A report view as toReportView makes it (what a worker publishes). */
const view = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  type: "sales-summary",
  title: "Sales summary",
  params: { from: "2026-01-01", to: "2026-01-31", groupBy: "day" },
  status: "generating",
  progress: 0,
  stage: "Querying data",
  failureReason: null,
  attempts: 1,
  pageCount: null,
  createdAt: "2026-02-01T10:00:00.000Z",
  updatedAt: "2026-02-01T10:00:01.000Z",
  startedAt: "2026-02-01T10:00:00.500Z",
  finishedAt: null,
  scheduleId: null,
  occurrence: null,
  ...overrides,
});
const fakeUpdate = (id: string, progress: number) => JSON.stringify({ report: view(id, { progress }), event: null, publishedAt: Date.now() });
/** Subscriptions to a channel: NUMSUB; on a cluster SHARDNUMSUB, asked of every master (only the channel's shard counts any). */
async function subscribers(channel: string): Promise<number> {
  const cluster = asCluster(publisher);
  if (!cluster) return ((await publisher.pubsub("NUMSUB", channel)) as [string, number])[1];
  const counts = await Promise.all(cluster.nodes("master").map((node) => node.call("PUBSUB", "SHARDNUMSUB", channel) as Promise<[string, number]>));
  return counts.reduce((sum, [, n]) => sum + Number(n), 0);
}

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

    await publish(publisher, channel, fakeUpdate(id, 10));
    await waitUntil(async () => a.length === 1 && b.length === 1, { timeoutMs: 5000, what: "both listeners" });
    expect(a[0]!.report.progress).toBe(10);

    await offA();
    await publish(publisher, channel, fakeUpdate(id, 20));
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
    await publish(publisher, reportUpdatesChannel(prefix, id), fakeUpdate(id, 5));
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
    await publish(publisher, reportUpdatesChannel(prefix, y), fakeUpdate(y, 1));
    await publish(publisher, reportUpdatesChannel(prefix, x), fakeUpdate(x, 1));
    await waitUntil(async () => got.length > 0, { timeoutMs: 5000, what: "the update" });
    expect(got).toEqual([x]);
    await off();
  });

  it("passes on only valid updates of the channel's own report, with downloadUrl derived from the id, never from the message", async () => {
    const hub = new ReportUpdateHub(subscriber, prefix);
    const id = randomUUID();
    const channel = reportUpdatesChannel(prefix, id);
    const got: ReportUpdate[] = [];
    const off = await hub.subscribe(id, (u) => got.push(u));
    const event = { id: "42", at: "2026-02-01T10:00:02.000Z", status: "sent", progress: 100, message: "Emailed to ana@example.com", attempt: 1 };
    const forged = [
      "not json",
      JSON.stringify({ report: view(randomUUID()), event: null, publishedAt: 1 }), // another report's state on this channel
      JSON.stringify({ report: view(id, { status: "hacked" }), event: null, publishedAt: 1 }),
      JSON.stringify({ report: view(id, { progress: "<img src=x onerror=alert(1)>" }), event: null, publishedAt: 1 }),
      JSON.stringify({ report: { id, progress: 5 }, event: null, publishedAt: 1 }), // a partial report
      JSON.stringify({ report: view(id), event: { ...event, id: "1; drop" }, publishedAt: 1 }),
      JSON.stringify({ report: view(id, { stage: "x".repeat(100_000) }), event: null, publishedAt: 1 }),
    ];
    for (const message of forged) await publish(publisher, channel, message);
    // A valid one, carrying a downloadUrl of its own, an extra field and a worker id: all three are dropped.
    const sent = view(id, { status: "sent", progress: 100, downloadUrl: "https://evil.example/phish", admin: true });
    await publish(publisher, channel, JSON.stringify({ report: sent, event: { ...event, workerId: "worker-host:1234" }, publishedAt: 7 }));
    // Pub/sub keeps one publisher's order: once the valid update is here, every forged one before it was handled.
    await waitUntil(async () => got.length > 0, { timeoutMs: 5000, what: "the valid update" });
    expect(got).toHaveLength(1);
    expect(hub.rejected).toBe(forged.length);
    expect(got[0]!.report.downloadUrl).toBe(`/reports/${id}/download`);
    expect(got[0]!.report).not.toHaveProperty("admin");
    expect(got[0]!.event).toEqual(event);
    await off();
  });
});

describe("parseReportUpdate", () => {
  it("gives a report no download link before it is emailing, whatever the message says", () => {
    const id = randomUUID();
    const queued = parseReportUpdate(
      JSON.stringify({ report: view(id, { status: "queued", downloadUrl: `/reports/${id}/download` }), event: null, publishedAt: 1 }),
      id,
    );
    expect(queued?.report.status).toBe("queued");
    expect(queued?.report).not.toHaveProperty("downloadUrl");
    const emailing = parseReportUpdate(JSON.stringify({ report: view(id, { status: "emailing" }), event: null, publishedAt: 1 }), id);
    expect(emailing?.report.downloadUrl).toBe(`/reports/${id}/download`);
  });
});
