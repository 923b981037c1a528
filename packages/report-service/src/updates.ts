// Live report updates over Redis pub/sub. Whoever changes a report in Postgres
// publishes the new state on the report's channel; every web process with an
// open status page for it is subscribed. Pub/sub is fire-and-forget, which is
// fine: Postgres has the state and history, so a page that missed a message
// re-reads it on reconnect (Last-Event-ID). Chosen over BullMQ's QueueEvents,
// which streams every job's events of the whole queue to every listener and
// knows nothing of cancels and retries made outside a worker.
import { EventEmitter } from "node:events";
import type { ReportChange } from "@backline/db";
import type { Redis } from "ioredis";
import { toEventView, toReportView, type ReportEventView, type ReportView } from "./report-view.ts";

export interface ReportUpdate {
  report: ReportView;
  event: ReportEventView | null;
  /** When it was published (ms since epoch), for lag measurements. */
  publishedAt: number;
}

export const reportUpdatesChannel = (prefix: string, reportId: string) => `${prefix}:report-updates:${reportId}`;

export function toReportUpdate(change: ReportChange): ReportUpdate {
  return { report: toReportView(change.report), event: change.event && toEventView(change.event), publishedAt: Date.now() };
}

/** Publishes a change; a Redis hiccup must never fail the work that made it. */
export async function publishReportChange(redis: Redis, prefix: string, change: ReportChange | null): Promise<void> {
  if (!change) return;
  await redis.publish(reportUpdatesChannel(prefix, change.report.id), JSON.stringify(toReportUpdate(change))).catch(() => {});
}

/**
 * One subscriber connection per process, shared by every open status page:
 * subscribes to a report's channel on its first listener, unsubscribes after
 * its last.
 */
export class ReportUpdateHub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly listeners = new Map<string, number>();

  constructor(
    private readonly subscriber: Redis,
    private readonly prefix: string,
  ) {
    subscriber.on("message", (channel: string, message: string) => {
      try {
        this.emitter.emit(channel, JSON.parse(message) as ReportUpdate);
      } catch {
        // not ours
      }
    });
  }

  /** Calls `listener` for each update of the report; returns the unsubscribe function. */
  async subscribe(reportId: string, listener: (update: ReportUpdate) => void): Promise<() => Promise<void>> {
    const channel = reportUpdatesChannel(this.prefix, reportId);
    this.emitter.on(channel, listener);
    const count = (this.listeners.get(channel) ?? 0) + 1;
    this.listeners.set(channel, count);
    if (count === 1) await this.subscriber.subscribe(channel);
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      this.emitter.off(channel, listener);
      const left = (this.listeners.get(channel) ?? 1) - 1;
      if (left > 0) return void this.listeners.set(channel, left);
      this.listeners.delete(channel);
      await this.subscriber.unsubscribe(channel).catch(() => {});
    };
  }

  /** Channels with at least one listener (for tests and metrics). */
  get openChannels(): number {
    return this.listeners.size;
  }
}
