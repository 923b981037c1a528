// The worker's Prometheus metrics (prom-client, its default registry). Labels
// are low-cardinality on purpose — queue, job name, status, reason class —
// never a report id, campaign id or address: a test scrapes them to check.
// What they answer: how deep are the queues, how long do people wait and jobs
// take, how many emails go out or fail and why, is the reconciler re-adding
// work, is the scheduler late, how far along are the campaigns.
import type { PrismaClient } from "@backline/db";
import type { MailTransport } from "@backline/mail";
import type { Job, Queue, Worker } from "bullmq";
import client from "prom-client";

/** Up to five minutes: a 3-year daily sales summary takes a while, and the defaults stop at 10 s. */
const SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];

export const workerMetrics = {
  queueWait: new client.Histogram({
    name: "backline_job_queue_wait_seconds",
    help: "From when a job could run (added, or its delay over) to when a worker started it.",
    labelNames: ["queue", "job"],
    buckets: SECONDS_BUCKETS,
  }),
  jobDuration: new client.Histogram({
    name: "backline_job_duration_seconds",
    help: "From a worker starting a job to its end, by outcome.",
    labelNames: ["queue", "job", "outcome"],
    buckets: SECONDS_BUCKETS,
  }),
  emails: new client.Counter({
    name: "backline_emails_total",
    help: "Emails handed to the SMTP server, by kind (report, sign-in, campaign) and result (sent, or the failure's class).",
    labelNames: ["kind", "result"],
  }),
  requeued: new client.Counter({
    name: "backline_reconciler_requeued_total",
    help: "Rows the reconciler gave a job back to (their job was lost or ended early).",
  }),
};

/** The kind of an email, from the headers the builders set. */
function kindOf(message: { headers?: unknown }): string {
  const headers = (message.headers ?? {}) as Record<string, unknown>;
  if ("X-Campaign-Id" in headers) return "campaign";
  if ("X-Report-Id" in headers) return "report";
  return "sign-in";
}

/** The class of a send failure, for a label: the SMTP reply's class, or what kind of network trouble. */
function failureClass(err: unknown): string {
  const e = err as { responseCode?: number; code?: string };
  if (typeof e.responseCode === "number") return e.responseCode >= 500 ? "smtp_5xx" : "smtp_4xx";
  if (e.code === "ECONNREFUSED" || e.code === "ESOCKET" || e.code === "ECONNECTION" || e.code === "EDNS") return "unreachable";
  if (e.code === "ETIMEDOUT") return "timeout";
  return "other";
}

/** The transport, counting every send it makes by kind and result. */
export function countingMail(mail: MailTransport): MailTransport {
  // Series that exist from the start at 0: a rate() sees the first email as an increase, not as a new series.
  for (const kind of ["report", "sign-in", "campaign"]) workerMetrics.emails.inc({ kind, result: "sent" }, 0);
  return new Proxy(mail, {
    get(target, prop) {
      if (prop === "sendMail") {
        return async (...args: Parameters<MailTransport["sendMail"]>) => {
          const kind = kindOf(args[0] as { headers?: unknown });
          try {
            const info = await target.sendMail(...args);
            workerMetrics.emails.inc({ kind, result: "sent" });
            return info;
          } catch (err) {
            workerMetrics.emails.inc({ kind, result: failureClass(err) });
            throw err;
          }
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Queue waits and job durations, from the workers' own events. */
export function watchWorkers(workers: Worker[]): void {
  for (const worker of workers) {
    worker.on("active", (job) => {
      const ready = job.timestamp + (job.delay ?? 0);
      if (job.processedOn) workerMetrics.queueWait.observe({ queue: worker.name, job: job.name }, Math.max(0, job.processedOn - ready) / 1000);
    });
    const ended = (outcome: "completed" | "failed") => (job: Job | undefined) => {
      if (job?.processedOn && job.finishedOn) {
        workerMetrics.jobDuration.observe({ queue: worker.name, job: job.name, outcome }, (job.finishedOn - job.processedOn) / 1000);
      }
    };
    worker.on("completed", ended("completed"));
    worker.on("failed", ended("failed"));
  }
}

/**
 * Gauges read when Prometheus scrapes: queue depth by state (from Redis), how
 * late the scheduler is and how far campaigns are (from Postgres, by index).
 */
export function registerStateGauges(db: PrismaClient, queues: Queue[]): void {
  new client.Gauge({
    name: "backline_queue_jobs",
    help: "Jobs in each queue by state.",
    labelNames: ["queue", "state"],
    async collect() {
      for (const queue of queues) {
        const counts = await queue.getJobCounts("waiting", "prioritized", "active", "delayed", "failed");
        for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
      }
    },
  });
  new client.Gauge({
    name: "backline_scheduler_lag_seconds",
    help: "How long the most overdue active schedule's next run has been due (0 when none is).",
    async collect() {
      const [row] = await db.$queryRaw<{ lag: number | null }[]>`
        select extract(epoch from now() - min(next_run_at))::float8 as lag from schedules where paused = false and next_run_at <= now()`;
      this.set(Math.max(0, row?.lag ?? 0));
    },
  });
  new client.Gauge({
    name: "backline_campaign_recipients",
    help: "Recipients of running and paused campaigns, by their status.",
    labelNames: ["status"],
    async collect() {
      const rows = await db.$queryRaw<{ status: string; n: number }[]>`
        select r.status::text as status, count(*)::int as n from campaign_recipients r
        join campaigns c on c.id = r.campaign_id and c.status in ('running', 'paused') group by r.status`;
      for (const status of ["pending", "claimed", "sending", "sent", "failed", "skipped"]) this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
    },
  });
  new client.Gauge({
    name: "backline_campaigns",
    help: "Campaigns by status; a paused one with a reason paused itself (the failure breaker).",
    labelNames: ["status", "self_paused"],
    async collect() {
      const rows = await db.$queryRaw<{ status: string; self: boolean; n: number }[]>`
        select status::text as status, (status = 'paused' and paused_reason like 'Paused itself%') as self, count(*)::int as n
        from campaigns where status in ('scheduled', 'running', 'paused') group by 1, 2`;
      this.reset();
      for (const r of rows) this.set({ status: r.status, self_paused: String(r.self) }, r.n);
    },
  });
}
