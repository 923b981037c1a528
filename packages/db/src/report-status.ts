// What each report status means, said once: which moves the worker makes, which
// the user's commands make, and what follows from them (final, in flight, can be
// cancelled or retried, has a PDF). The lifecycle's SQL, the web's pages and
// routes, the reconciler and the tests all read it from here. Client-safe: it
// imports only a type, so browser code (the status page) uses it too.
import type { ReportStatus } from "./generated/prisma/client.ts";

export type { ReportStatus };

export const REPORT_STATUSES = ["queued", "generating", "emailing", "sent", "failed", "cancelled", "skipped"] as const satisfies readonly ReportStatus[];

/** from → to, as a worker moves a report (outage waits and retries go back to `queued`). */
export const WORKER_MOVES: Record<ReportStatus, readonly ReportStatus[]> = {
  queued: ["generating", "failed"],
  // generating → generating: a stalled job picked up again.
  // generating → skipped: a schedule's run found no data and its schedule skips empty reports.
  generating: ["queued", "generating", "emailing", "failed", "skipped"],
  // emailing → generating: its worker died mid-send (the delivery claim keeps it from sending twice).
  emailing: ["queued", "generating", "emailing", "sent", "failed"],
  sent: [],
  failed: [],
  cancelled: [],
  skipped: [],
};

/** What a person may ask, and from where (`commands.ts`). */
export const COMMANDS = {
  cancel: { from: ["queued", "generating"], to: "cancelled" },
  retry: { from: ["failed", "cancelled"], to: "queued" },
} as const satisfies Record<string, { from: readonly ReportStatus[]; to: ReportStatus }>;

/** Every status `to` may be entered from, by a worker or a command. */
function enteredFrom(to: ReportStatus): ReportStatus[] {
  const byWorker = REPORT_STATUSES.filter((from) => WORKER_MOVES[from].includes(to));
  const byCommand = Object.values(COMMANDS).flatMap((c): ReportStatus[] => (c.to === to ? [...c.from] : []));
  return [...new Set([...byWorker, ...byCommand])];
}

/** to ← allowed from: the condition of each status change's SQL (report-lifecycle.ts). */
export const ALLOWED_TRANSITIONS: Record<ReportStatus, readonly ReportStatus[]> = {
  queued: enteredFrom("queued"),
  generating: enteredFrom("generating"),
  emailing: enteredFrom("emailing"),
  sent: enteredFrom("sent"),
  failed: enteredFrom("failed"),
  cancelled: enteredFrom("cancelled"),
  skipped: enteredFrom("skipped"),
};

export const canTransition = (from: ReportStatus, to: ReportStatus) => ALLOWED_TRANSITIONS[to].includes(from);

/** Nothing more happens to it unless someone retries it. */
export const isFinal = (status: ReportStatus) => WORKER_MOVES[status].length === 0;

/** Counted against MAX_REPORTS_IN_FLIGHT_PER_USER, and owed a job in Redis (the reconciler). Also in SQL: `reports_in_flight_locked`. */
export const IN_FLIGHT: readonly ReportStatus[] = REPORT_STATUSES.filter((s) => !isFinal(s));

export const canCancel = (status: ReportStatus) => (COMMANDS.cancel.from as readonly ReportStatus[]).includes(status);
export const canRetry = (status: ReportStatus) => (COMMANDS.retry.from as readonly ReportStatus[]).includes(status);

/** Its PDF exists and is the report's: from the moment it is being emailed. */
export const isDownloadable = (status: ReportStatus) => status === "emailing" || status === "sent";
