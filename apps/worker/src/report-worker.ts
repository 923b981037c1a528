// Starts the BullMQ workers — one for the reports queue, one for the sign-in
// email queue — and routes each job to its processor, with the Redis side
// channels a processor needs (updates out, cancel requests in). Used by
// main.ts and, in-process, by the tests.
//
// Two queues, two limiters (BullMQ's limiter lives in Redis, per queue, shared
// by every worker): MAIL_MAX_PER_SECOND is the whole SMTP budget, of which
// SIGN_IN_MAIL_MAX_PER_SECOND is reserved for sign-in links and the rest for
// reports. A sign-in flood then fills only its own queue and never takes a
// report's slot, and reports never hold back a sign-in link; together they
// never exceed MAIL_MAX_PER_SECOND.
import os from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { JOB_QUEUE, QUEUES, createProducerQueue, createRedis, enqueue, sendSignInLinkJob, signInEmailJobOptions, type JobName } from "@backline/queue";
import { CancellationListener, publishReportChange } from "@backline/report-service";
import type { MailTransport } from "@backline/mail";
import { type Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import { processors, type ProcessorContext } from "./processors/index.ts";

/** Sign-in jobs one worker process runs at once: each is a row read, one email and a row write, and the limiter paces them anyway. */
const SIGN_IN_CONCURRENCY = 2;

/** Takes one of this clock minute's sign-in email slots: 0 when taken, else the ms until the next minute. */
const TAKE_SLOT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], 120000) end
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 1
end
return 0`;

class SignInCapReached extends Error {
  constructor(readonly retryInMs: number) {
    super(`sign-in email cap for this minute reached; next in ${retryInMs} ms`);
  }
}

export interface ReportWorkerOptions {
  redisUrl: string;
  prefix: string;
  /** Reports one process builds at once (WORKER_CONCURRENCY). */
  concurrency: number;
  /**
   * Lock on each running job, renewed every half of it. A worker that dies
   * (kill -9) stops renewing; within ~1.5× this another worker takes the job
   * over. BullMQ's 30 s default means half a minute of nothing after a crash.
   */
  lockMs?: number;
  /** MAIL_MAX_PER_SECOND: emails per second across every worker, both queues together. Unset: no limit (tests). */
  mailMaxPerSecond?: number;
  /** SIGN_IN_MAIL_MAX_PER_SECOND: the part of it reserved for sign-in links; reports get the rest. */
  signInMailMaxPerSecond?: number;
  /** The campaigns' share, when this process also sends campaigns (main.ts); reports get what is left after it too. */
  campaignMailPerSecond?: number;
  /**
   * SIGN_IN_EMAILS_PER_MINUTE: sign-in emails sent per clock minute across every worker. The web app already refuses
   * sign-in requests over it; this holds it for what is actually sent too (links accepted while Redis was down and
   * counted per web process, several web processes' memory fallbacks, the reconciler's re-sends). Unset: no cap.
   */
  signInEmailsPerMinute?: number;
  context: Pick<ProcessorContext, "db" | "mail" | "log" | "env" | "storage"> & { workerId?: string };
}

/**
 * How MAIL_MAX_PER_SECOND is split: SIGN_IN_MAIL_MAX_PER_SECOND for sign-in
 * links, the campaigns' share (CAMPAIGN_MAIL_MAX_PER_SECOND, or half of what
 * sign-in links leave) when the process sends campaigns, and the rest for
 * reports. Throws, naming the settings, when reports would be left nothing.
 */
export function mailRates(
  mailMaxPerSecond?: number,
  signInMailMaxPerSecond?: number,
  campaigns?: { perSecond?: number },
): { reports?: number; signIn?: number; campaigns?: number } {
  if (mailMaxPerSecond === undefined) return { signIn: signInMailMaxPerSecond };
  const signIn = signInMailMaxPerSecond ?? 0;
  if (signIn >= mailMaxPerSecond) {
    throw new Error(
      `SIGN_IN_MAIL_MAX_PER_SECOND (${signIn}) must be below MAIL_MAX_PER_SECOND (${mailMaxPerSecond}): it is the part of the mail rate reserved for sign-in links, and reports get the rest`,
    );
  }
  if (!campaigns) return { reports: mailMaxPerSecond - signIn, ...(signInMailMaxPerSecond === undefined ? {} : { signIn }) };
  const campaignShare = campaigns.perSecond ?? Math.max(1, Math.floor((mailMaxPerSecond - signIn) / 2));
  if (signIn + campaignShare >= mailMaxPerSecond) {
    throw new Error(
      `SIGN_IN_MAIL_MAX_PER_SECOND (${signIn}) and CAMPAIGN_MAIL_MAX_PER_SECOND (${campaignShare}) together must be below MAIL_MAX_PER_SECOND (${mailMaxPerSecond}): reports get what they leave`,
    );
  }
  return { reports: mailMaxPerSecond - signIn - campaignShare, signIn: signInMailMaxPerSecond, campaigns: campaignShare };
}

export interface RunningWorker {
  /** The reports queue's worker. */
  worker: Worker;
  /** The sign-in email queue's worker. */
  signInWorker: Worker;
  workerId: string;
  /** Stops taking jobs on both queues, waits for those in flight, closes connections. */
  close(): Promise<void>;
}

export async function startReportWorker(options: ReportWorkerOptions): Promise<RunningWorker> {
  const rates = mailRates(
    options.mailMaxPerSecond,
    options.signInMailMaxPerSecond,
    options.campaignMailPerSecond === undefined ? undefined : { perSecond: options.campaignMailPerSecond },
  );
  const workerId = options.context.workerId ?? `${os.hostname()}:${process.pid}`;
  const publisher = createRedis(options.redisUrl, "worker");
  const cancellations = await CancellationListener.start(createRedis(options.redisUrl, "subscriber"), options.prefix);
  const ctx: ProcessorContext = {
    ...options.context,
    workerId,
    cancellations,
    publish: (change) => publishReportChange(publisher, options.prefix, change),
  };
  const { log } = ctx;
  const lockDuration = options.lockMs ?? 5000;
  const common = {
    prefix: options.prefix,
    lockDuration,
    stalledInterval: Math.round(lockDuration / 2),
    // A job whose worker keeps dying is failed after this many takeovers.
    maxStalledCount: 2,
  };
  const limiter = (perSecond?: number) => (perSecond ? { limiter: { max: perSecond, duration: 1000 } } : {});

  // A web process started before the sign-in queue existed (a rolling deploy) may still add sign-in jobs here:
  // they are moved to their own queue, under the same id, rather than sent under the reports' limiter.
  let signInProducer: Queue | undefined;
  const signInQueue = () => (signInProducer ??= createProducerQueue(QUEUES.signIn, { redisUrl: options.redisUrl, prefix: options.prefix }));
  const moveToSignInQueue = async (job: Job) => {
    const payload = sendSignInLinkJob.payload.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`Invalid ${sendSignInLinkJob.name} payload`);
    await enqueue(signInQueue(), "send-sign-in-link", payload.data, signInEmailJobOptions(payload.data.signInEmailId));
    return { movedTo: QUEUES.signIn };
  };

  const worker = new Worker(
    QUEUES.reports,
    async (job, token) => {
      const name = job.name as JobName;
      if (name === sendSignInLinkJob.name) return moveToSignInQueue(job);
      const processor = JOB_QUEUE[name] === QUEUES.reports ? processors[name] : undefined;
      if (!processor) throw new Error(`No processor for job "${job.name}"`);
      return processor(job as never, ctx, token);
    },
    { ...common, connection: createRedis(options.redisUrl, "worker"), concurrency: options.concurrency, ...limiter(rates.reports) },
  );
  // The per-minute cap is taken at the moment of sending (a link dropped as expired costs nothing): the sign-in
  // processor gets a mail transport whose sendMail first takes a slot. Without one, the job goes back to the
  // queue and the whole queue waits for the next minute (BullMQ's manual rate limit, shared by every worker).
  const cap = options.signInEmailsPerMinute;
  const cappedMail: MailTransport = cap
    ? new Proxy(ctx.mail, {
        get(target, prop) {
          if (prop === "sendMail") {
            return async (...args: Parameters<MailTransport["sendMail"]>) => {
              const minute = Math.floor(Date.now() / 60_000);
              const full = await publisher.eval(TAKE_SLOT, 1, `${options.prefix}:${QUEUES.signIn}:sent-per-minute:${minute}`, String(cap));
              if (full) throw new SignInCapReached((minute + 1) * 60_000 - Date.now() + 50);
              return target.sendMail(...args);
            };
          }
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === "function" ? value.bind(target) : value;
        },
      })
    : ctx.mail;
  const signInCtx: ProcessorContext = { ...ctx, mail: cappedMail };
  const signInWorker = new Worker(
    QUEUES.signIn,
    async (job, token) => {
      if (job.name !== sendSignInLinkJob.name) throw new UnrecoverableError(`No processor for job "${job.name}" on the ${QUEUES.signIn} queue`);
      try {
        return await processors["send-sign-in-link"](job, signInCtx, token);
      } catch (err) {
        if (!(err instanceof SignInCapReached)) throw err;
        log.warn({ jobId: job.id, retryInMs: err.retryInMs }, "sign-in email cap (SIGN_IN_EMAILS_PER_MINUTE) reached: sign-in links wait for the next minute");
        await signInQueue().rateLimit(err.retryInMs);
        throw Worker.RateLimitError();
      }
    },
    // A manual rate limit only holds on a queue with a limiter: with the cap but no per-second rate (tests), a loose one.
    { ...common, connection: createRedis(options.redisUrl, "worker"), concurrency: SIGN_IN_CONCURRENCY, ...limiter(rates.signIn ?? (cap ? 1000 : undefined)) },
  );

  // Lock renewal runs on this event loop: if rendering blocked it for longer
  // than the lock, other workers would take the job over while it still runs.
  // Each report completion logs the worst delay since the previous one, so it can be watched.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  worker.on("completed", (job) => {
    log.info(
      { jobId: job.id, name: job.name, loopDelayMaxMs: Math.round(loopDelay.max / 1e6), loopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e6) },
      "job completed",
    );
    loopDelay.reset();
  });
  signInWorker.on("completed", (job) => log.info({ jobId: job.id, name: job.name }, "job completed"));
  for (const w of [worker, signInWorker]) {
    w.on("error", (err) => log.error({ queue: w.name, err: err.message }, "worker error"));
    w.on("stalled", (jobId) => log.warn({ queue: w.name, jobId }, "job stalled: its worker stopped renewing the lock; another worker takes it over"));
    w.on("failed", (job, err) => log.warn({ queue: w.name, jobId: job?.id, name: job?.name, err: err.message }, "job failed"));
  }
  await Promise.all([worker.waitUntilReady(), signInWorker.waitUntilReady()]);

  return {
    worker,
    signInWorker,
    workerId,
    async close() {
      loopDelay.disable();
      await Promise.all([worker.close(), signInWorker.close()]);
      await signInProducer?.close();
      await cancellations.close();
      publisher.disconnect();
    },
  };
}
