// Cancelling a report that a worker is generating, wherever that worker runs:
// the web marks the row Cancelled, then broadcasts the id; the worker holding
// the job aborts its render at the next page. The row is what counts — a
// worker that misses the broadcast still finds "cancelled" at its next
// status change and stops there. (Sharded pub/sub on a cluster: @backline/queue's pubsub.ts.)
import { onMessage, publish, subscribe } from "@backline/queue";
import type { Redis } from "ioredis";

export const cancelChannel = (prefix: string) => `${prefix}:cancel-requests`;

export class ReportCancelledError extends Error {
  override name = "ReportCancelledError";
  constructor(reportId: string) {
    super(`Report ${reportId} was cancelled`);
  }
}

export async function broadcastCancel(redis: Redis, prefix: string, reportId: string): Promise<void> {
  await publish(redis, cancelChannel(prefix), reportId);
}

/** Worker side: one subscription per process, one AbortController per running report. */
export class CancellationListener {
  private readonly running = new Map<string, AbortController>();

  private constructor(private readonly subscriber: Redis) {}

  static async start(subscriber: Redis, prefix: string): Promise<CancellationListener> {
    const listener = new CancellationListener(subscriber);
    const channel = cancelChannel(prefix);
    onMessage(subscriber, (from, reportId) => {
      if (from === channel) listener.abort(reportId);
    });
    await subscribe(subscriber, channel);
    return listener;
  }

  /** The signal for a report this process starts working on. Call `release` when done. */
  track(reportId: string): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    this.running.set(reportId, controller);
    return {
      signal: controller.signal,
      release: () => {
        if (this.running.get(reportId) === controller) this.running.delete(reportId);
      },
    };
  }

  abort(reportId: string): void {
    this.running.get(reportId)?.abort(new ReportCancelledError(reportId));
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }
}
