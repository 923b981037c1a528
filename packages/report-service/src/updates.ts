// Live report updates over Redis pub/sub (sharded on a cluster: @backline/queue's
// pubsub.ts). Whoever changes a report in Postgres
// publishes the new state on the report's channel; every web process with an
// open status page for it is subscribed. Pub/sub is fire-and-forget, which is
// fine: Postgres has the state and history, so a page that missed a message
// re-reads it on reconnect (Last-Event-ID). Chosen over BullMQ's QueueEvents,
// which streams every job's events of the whole queue to every listener and
// knows nothing of cancels and retries made outside a worker.
import { EventEmitter } from "node:events";
import { isDownloadable, type ReportChange } from "@backline/db";
import { REPORT_STATUSES } from "@backline/db/report-status";
import { onMessage, publish, subscribe, unsubscribe } from "@backline/queue";
import type { Redis } from "ioredis";
import { z } from "zod";
import { downloadPath } from "./download-links.ts";
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
  await publish(redis, reportUpdatesChannel(prefix, change.report.id), JSON.stringify(toReportUpdate(change))).catch(() => {});
}

/** A real update is about 1 KB; anything far larger is not one of ours. */
const MAX_MESSAGE_CHARS = 64 * 1024;
const isoDate = z.iso.datetime({ offset: true });
const text = (max: number) => z.string().max(max);

/**
 * What a message on a report channel must look like before any of it reaches a
 * browser. Anyone who can PUBLISH on our Redis could otherwise push any JSON
 * into every open status page. Unknown fields are dropped (z.object strips),
 * and `downloadUrl` is never read from a message: it is derived from the id.
 */
const reportViewSchema = z.object({
  id: z.uuid(),
  type: text(100),
  title: text(200),
  params: z.record(z.string().max(100), z.unknown()),
  status: z.enum(REPORT_STATUSES),
  progress: z.number().int().min(0).max(100),
  stage: text(1000).nullable(),
  failureReason: text(4000).nullable(),
  attempts: z.number().int().min(0),
  pageCount: z.number().int().min(0).nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  scheduleId: z.uuid().nullable(),
  occurrence: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/)
    .nullable(),
});

const eventViewSchema = z.object({
  id: z.string().regex(/^\d{1,20}$/),
  at: isoDate,
  status: z.enum(REPORT_STATUSES),
  progress: z.number().int().min(0).max(100),
  message: text(4000),
  attempt: z.number().int().min(0),
});

const reportUpdateSchema = z.object({
  report: reportViewSchema,
  event: eventViewSchema.nullable(),
  publishedAt: z.number().int().nonnegative(),
});

/**
 * A message from a report's channel as a ReportUpdate, or null when it is not
 * one (not JSON, wrong shape, or about another report than the channel's).
 */
export function parseReportUpdate(message: string, reportId: string): ReportUpdate | null {
  if (message.length > MAX_MESSAGE_CHARS) return null;
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return null;
  }
  const parsed = reportUpdateSchema.safeParse(json);
  if (!parsed.success || parsed.data.report.id !== reportId) return null;
  const { report, event, publishedAt } = parsed.data;
  return { report: { ...report, ...(isDownloadable(report.status) ? { downloadUrl: downloadPath(report.id) } : {}) }, event, publishedAt };
}

/**
 * One subscriber connection per process, shared by every open status page:
 * subscribes to a report's channel on its first listener, unsubscribes after
 * its last.
 */
export class ReportUpdateHub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly listeners = new Map<string, number>();
  /** Messages dropped for not being a valid update of their channel's report (for tests and metrics). */
  rejected = 0;

  constructor(
    private readonly subscriber: Redis,
    private readonly prefix: string,
  ) {
    const channelPrefix = reportUpdatesChannel(prefix, "");
    onMessage(subscriber, (channel, message) => {
      if (!channel.startsWith(channelPrefix) || !this.listeners.has(channel)) return;
      const update = parseReportUpdate(message, channel.slice(channelPrefix.length));
      if (update) this.emitter.emit(channel, update);
      else this.rejected += 1;
    });
  }

  /** Calls `listener` for each update of the report; returns the unsubscribe function. */
  async subscribe(reportId: string, listener: (update: ReportUpdate) => void): Promise<() => Promise<void>> {
    const channel = reportUpdatesChannel(this.prefix, reportId);
    this.emitter.on(channel, listener);
    const count = (this.listeners.get(channel) ?? 0) + 1;
    this.listeners.set(channel, count);
    if (count === 1) await subscribe(this.subscriber, channel);
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      this.emitter.off(channel, listener);
      const left = (this.listeners.get(channel) ?? 1) - 1;
      if (left > 0) return void this.listeners.set(channel, left);
      this.listeners.delete(channel);
      await unsubscribe(this.subscriber, channel).catch(() => {});
    };
  }

  /** Channels with at least one listener (for tests and metrics). */
  get openChannels(): number {
    return this.listeners.size;
  }
}
