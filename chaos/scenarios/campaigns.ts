// 10. A bulk campaign (customer statements) while workers are killed -9, Redis
// is shut down (SHUTDOWN NOSAVE) and restarted empty, and the SMTP server is
// down for a while; beside it, a second campaign is paused and resumed again
// and again. Campaigns are sent by every worker's campaign sender from the
// recipient ledger in Postgres (claims with a lease, fenced by their token; a
// recipient moved to `sending` before its email goes out; one found still
// `sending` after its lease is resent with the same Message-ID and counted in
// `resends`). So every recipient must end sent, failed (only the addresses the
// sink refuses with 550) or skipped (only addresses that opted out), and get
// at most one email — a second copy is allowed only with the same Message-ID
// and a resend the ledger counts.
//
// The campaigns need many customers: the scenario has a scratch database of
// its own, seeded with both campaigns' customers, and a stack on it. Its
// workers get CAMPAIGN_LEASE_MS=5000 (default 30 s), so a killed worker's
// claimed recipients are taken over within seconds rather than half a minute.
import { answered, clientFor } from "../client.ts";
import type { ChaosContext, Check, OwnDatabase, ScenarioOutcome, Stack } from "../context.ts";
import { tallyRecipients, type Tally } from "../metrics.ts";
import { bump, fmtS, liveWorkers, restartWhenPossible, sleep } from "./util.ts";

const ADMIN = "chaos-admin@chaos.test";
/** The workers' CAMPAIGN_LEASE_MS here (default 30 s): recovery after a kill -9 takes about this long. */
const LEASE_MS = 5000;
/** How a recipient refused with 550 must read. */
const REFUSED_REASON = /550|rejected|refused/i;
/** A send in flight when a pause comes may still land; after this, none should until the resume. */
const PAUSE_GRACE_MS = 2000;
/** Of the paused-and-resumed campaign's customers, every this-many-th opted out before it was made. */
const OPT_OUT_EVERY = 25;
/** And this many of its still-pending recipients opt out while it runs. */
const LATE_OPT_OUTS = 5;

const emailOf = (customerId: number) => `customer${customerId}@example.com`;
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

interface Progress {
  status: string;
  total: number;
  done: number;
  sent: number;
}

interface Fault {
  /** Share of the big campaign's recipients finished when it comes. */
  share: number;
  kind: "kill" | "redis" | "smtp";
}

export async function campaignsScenario(ctx: ChaosContext): Promise<ScenarioOutcome> {
  const c = ctx.settings.campaigns;
  const customers = c.recipients + c.pauseRecipients;
  const seeding = ctx.phase("campaigns: own database", 1, "steps", `seeding ${customers} customers`);
  const own = await ctx.scratchDatabase({ customers, orders: Math.max(6000, customers * 2) });
  seeding.done(`db ${own.name}`);
  let stack: Stack | null = null;
  const answers: Record<string, number> = {};
  const notes: string[] = [];
  try {
    const info = await own.db.seedInfo.findUniqueOrThrow({ where: { id: 1 } });
    // The last whole month of the dataset.
    const month = new Date(Date.UTC(info.endsAt.getUTCFullYear(), info.endsAt.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    const bigIds = range(1, c.recipients);
    const pausedIds = range(c.recipients + 1, c.pauseRecipients);
    // The big campaign: every rejectEvery-th address refused (550) by the sink. The other: some opted out already.
    const refusedEmails = bigIds.filter((id) => id % c.rejectEvery === 0).map(emailOf);
    for (const email of refusedEmails) ctx.sink.rejectAddresses.add(email);
    const optedOut = pausedIds.filter((_, i) => i % OPT_OUT_EVERY === OPT_OUT_EVERY - 1).map(emailOf);
    await own.pg.query("INSERT INTO email_opt_outs (email) SELECT unnest($1::text[])", [optedOut]);

    stack = await ctx.startStack({ workers: 3, env: { ADMIN_EMAILS: ADMIN, CAMPAIGN_LEASE_MS: String(LEASE_MS) }, database: own });
    const s = stack;
    await s.cookieFor(ADMIN);

    // The big one as an admin's CSV upload of customer ids (a JSON list of 20,000 is over MAX_BODY_BYTES); the other as JSON.
    const form = new FormData();
    form.set("type", "customer-statement");
    form.set("params", JSON.stringify({ month }));
    form.set("file", new Blob([`customer_id\n${bigIds.join("\n")}\n`], { type: "text/csv" }), "chaos-campaign.csv");
    const admin = await clientFor(s, ADMIN);
    // openapi-fetch sends FormData as multipart (fetch sets the boundary); the document's JSON body type doesn't describe it.
    const big = await answered(admin.POST("/api/campaigns", { body: form as never }));
    bump(answers, big.status);
    const createdAt = Date.now();
    const paused = await answered(
      admin.POST("/api/campaigns", { body: { type: "customer-statement", params: { month }, audience: { kind: "customers", ids: pausedIds } } }),
    );
    bump(answers, paused.status);
    if (!big.body || !paused.body) throw new Error(`campaigns not created: ${big.status} ${big.error ?? ""}; ${paused.status} ${paused.error ?? ""}`);
    const bigId = big.body.id;
    const pausedId = paused.body.id;
    ctx.log(
      `[campaigns] ${big.body.total} recipients (${refusedEmails.length} refused by the sink) and ${paused.body.total} (${optedOut.length} opted out) for ${month}`,
    );
    const { rows: refusedRows } = await own.pg.query<{ id: string }>(
      "SELECT id::text FROM campaign_recipients WHERE campaign_id = $1::uuid AND email = ANY($2::text[])",
      [bigId, refusedEmails],
    );
    const expectedFailures = new Map(refusedRows.map((r) => [r.id, REFUSED_REASON]));

    // ---------------------------------------------------------------- watching and breaking
    let progress = new Map<string, Progress>();
    const read = async () => (progress = await readProgress(own, [bigId, pausedId]));
    await read();
    const bigDone = () => progress.get(bigId)?.status === "completed";
    const share = () => (progress.get(bigId)?.done ?? 0) / Math.max(1, progress.get(bigId)?.total ?? 1);
    let over = false;
    const bar = ctx.phase("campaigns: sending", customers, "final");
    const kills: { at: number; workerId: string }[] = [];
    const restarts: Promise<{ failedTries: number; error?: string }>[] = [];
    let redis: { downAt: number; upAt: number } | null = null;
    let smtp: { downAt: number; upAt: number } | null = null;
    const monitor = (async () => {
      while (!over) {
        await read().catch(() => {});
        const a = progress.get(bigId);
        const b = progress.get(pausedId);
        bar.update(
          (a?.done ?? 0) + (b?.done ?? 0),
          `big ${a?.status} ${a?.done}/${a?.total}, paused one ${b?.status} ${b?.done}/${b?.total}; ${kills.length} kills; sink ${ctx.sink.mode()}`,
        );
        await sleep(250);
      }
    })();

    const kill = async () => {
      const live = liveWorkers(s);
      const victim = live[Math.floor(Math.random() * live.length)];
      if (!victim) return;
      const at = Date.now();
      s.expectExit(victim.proc.pid);
      victim.proc.signal("SIGKILL");
      await victim.proc.exited;
      kills.push({ at, workerId: victim.workerId });
      ctx.log(`[campaigns] kill -9 #${kills.length}: ${victim.workerId} at ${(share() * 100).toFixed(0)} % of the big campaign`);
      restarts.push(sleep(1000).then(() => restartWhenPossible(s, victim.index)));
    };

    // Redis, the SMTP outage and (short run) the kills at set points of the big campaign's progress.
    const plan: Fault[] = [
      { share: 0.2, kind: "redis" as const },
      { share: 0.45, kind: "smtp" as const },
      ...(c.killEveryMs ? [] : range(0, c.kills).map((i) => ({ share: 0.12 + (i * 0.6) / Math.max(1, c.kills - 1), kind: "kill" as const }))),
    ].sort((x, y) => x.share - y.share);
    const faults = (async () => {
      for (const f of plan) {
        while (!over && !bigDone() && share() < f.share) await sleep(100);
        if (over || bigDone()) return;
        if (f.kind === "kill") await kill();
        else if (f.kind === "redis") {
          const downAt = Date.now();
          ctx.log(`[campaigns] SHUTDOWN NOSAVE of Redis for ${fmtS(c.redisDownMs)} at ${(share() * 100).toFixed(0)} %`);
          await ctx.redis.shutdownNoSave();
          await sleep(Math.max(0, c.redisDownMs - (Date.now() - downAt)));
          await ctx.redis.restart();
          redis = { downAt, upAt: Date.now() };
        } else {
          ctx.log(`[campaigns] SMTP down for ${fmtS(c.smtpDownMs)} at ${(share() * 100).toFixed(0)} %`);
          await ctx.sink.setMode("down");
          const downAt = Date.now();
          await sleep(c.smtpDownMs);
          await ctx.sink.setMode("up");
          smtp = { downAt, upAt: Date.now() };
        }
      }
    })();
    // Full run: a random worker every killEveryMs until the big campaign is done.
    const periodicKills = (async () => {
      if (!c.killEveryMs) return;
      for (;;) {
        await sleep(c.killEveryMs);
        if (over || bigDone()) return;
        await kill();
      }
    })();

    // The second campaign: paused and resumed pauseRounds times; a few of its recipients opt out meanwhile.
    const commandAnswers: Record<string, number> = {};
    const roundNotes: string[] = [];
    let sentWhilePaused = 0;
    let rounds = 0;
    const lateOptOuts: string[] = [];
    const pauses = (async () => {
      for (let round = 1; round <= c.pauseRounds && !over; round++) {
        await sleep(2000 + Math.random() * 2000);
        if (round === 1) {
          const { rows } = await own.pg.query<{ email: string }>(
            `INSERT INTO email_opt_outs (email, campaign_id)
             SELECT email, campaign_id FROM campaign_recipients WHERE campaign_id = $1::uuid AND status = 'pending' ORDER BY id DESC LIMIT $2
             ON CONFLICT DO NOTHING RETURNING email`,
            [pausedId, LATE_OPT_OUTS],
          );
          lateOptOuts.push(...rows.map((r) => r.email));
        }
        const p = await answered(admin.POST("/api/campaigns/{id}/{command}", { params: { path: { id: pausedId, command: "pause" } } }));
        bump(commandAnswers, p.status);
        if (p.status !== 200) {
          roundNotes.push(`round ${round}: pause answered ${p.status} ${p.error ?? ""}`);
          break;
        }
        const pausedAt = Date.now();
        await sleep(PAUSE_GRACE_MS + 1000 + Math.random() * 1000);
        const resumeAt = Date.now();
        const late = ctx.sink.accepted.filter((m) => m.xHeaders["x-campaign-id"] === pausedId && m.at >= pausedAt + PAUSE_GRACE_MS && m.at < resumeAt).length;
        sentWhilePaused += late;
        const r = await answered(admin.POST("/api/campaigns/{id}/{command}", { params: { path: { id: pausedId, command: "resume" } } }));
        bump(commandAnswers, r.status);
        if (r.status !== 200) {
          roundNotes.push(`round ${round}: resume answered ${r.status} ${r.error ?? ""}`);
          break;
        }
        rounds = round;
        if (late) roundNotes.push(`round ${round}: ${late} email(s) arrived ${PAUSE_GRACE_MS / 1000} s or more after the pause`);
      }
    })();

    // Until both are completed, as long as recipients keep finishing.
    const settled = await settleCampaigns(ctx, own, [bigId, pausedId], () => progress);
    const finishedAt = Date.now();
    over = true;
    await Promise.all([faults, periodicKills, pauses, monitor]);
    const restartResults = await Promise.all(restarts);
    bar.done(settled ? "both completed" : "timed out");
    await s.stop();
    stack = null;

    // ---------------------------------------------------------------- the count
    const [all, bigTally, pausedTally] = [
      await tallyRecipients(own.pg, ctx.sink, [bigId, pausedId], expectedFailures),
      await tallyRecipients(own.pg, ctx.sink, [bigId], expectedFailures),
      await tallyRecipients(own.pg, ctx.sink, [pausedId]),
    ];
    const { rows } = await own.pg.query<{ id: string; status: string; started_at: Date | null; finished_at: Date | null }>(
      "SELECT id::text, status::text, started_at, finished_at FROM campaigns WHERE id = ANY($1::uuid[])",
      [[bigId, pausedId]],
    );
    const row = new Map(rows.map((r) => [r.id, r]));
    const bigRow = row.get(bigId);
    const bigMs = bigRow?.finished_at && bigRow.started_at ? bigRow.finished_at.getTime() - bigRow.started_at.getTime() : finishedAt - createdAt;
    const bigCopies = ctx.sink.accepted.filter((m) => m.xHeaders["x-campaign-id"] === bigId).length;
    const rate = bigCopies / (bigMs / 1000);
    const firstAfter = (t: number | undefined) => {
      if (t === undefined) return Number.NaN;
      const first = ctx.sink.accepted.find((m) => m.at >= t && (m.xHeaders["x-campaign-id"] === bigId || m.xHeaders["x-campaign-id"] === pausedId));
      return first ? first.at - t : Number.NaN;
    };
    const smtpUp = (smtp as { upAt: number } | null)?.upAt;
    const redisUp = (redis as { upAt: number } | null)?.upAt;
    const { rows: lateRows } = await own.pg.query<{ status: string; n: string }>(
      "SELECT status::text, count(*) AS n FROM campaign_recipients WHERE campaign_id = $1::uuid AND email = ANY($2::text[]) GROUP BY 1 ORDER BY 1",
      [pausedId, lateOptOuts],
    );
    const { rows: earlyRows } = await own.pg.query<{ n: string }>(
      "SELECT count(*) AS n FROM campaign_recipients WHERE campaign_id = $1::uuid AND email = ANY($2::text[]) AND status = 'skipped'",
      [pausedId, optedOut],
    );
    const earlySkipped = Number(earlyRows[0]?.n ?? 0);

    const summary = (name: string, t: Tally) =>
      `${name}: ${t.toFinish} recipients → sent ${t.sent}, failed ${t.failed}, skipped ${t.other}, not final ${t.toFinish - t.terminal}; ` +
      `${t.ambiguousResends} resent after a lapsed lease (ledger), ${t.forgiven} such second copies at the sink, ${t.reclaimed} claimed more than once`;
    notes.push(summary("big campaign", bigTally), summary("paused/resumed campaign", pausedTally));
    notes.push(
      `big campaign: ${fmtS(bigMs)} from start to completed, ${bigCopies} emails at the sink, ${rate.toFixed(1)} emails/s` +
        ` (3 workers, CAMPAIGN_CONCURRENCY 2, CAMPAIGN_LEASE_MS ${LEASE_MS})`,
    );
    const refusedStarts = restartResults.reduce((n, r) => n + r.failedTries, 0);
    const killTimes = kills.map((k) => `+${fmtS(k.at - createdAt)}`);
    notes.push(
      `kill -9: ${kills.length} (${killTimes.length > 6 ? `${killTimes.slice(0, 3).join(", ")}, …, ${killTimes.at(-1)}` : killTimes.join(", ")}); ` +
        `${restartResults.filter((r) => !r.error).length} back, after ${refusedStarts} refused start(s) in all (a worker refuses to start while Redis or SMTP is unreachable)`,
    );
    if (redis) {
      const r = redis as { downAt: number; upAt: number };
      notes.push(
        `Redis down ${fmtS(r.upAt - r.downAt)} at +${fmtS(r.downAt - createdAt)}, back empty; first campaign email ${fmtS(firstAfter(redisUp))} after`,
      );
    }
    if (smtp) {
      const m = smtp as { downAt: number; upAt: number };
      notes.push(`SMTP down ${fmtS(m.upAt - m.downAt)} at +${fmtS(m.downAt - createdAt)}; first campaign email ${fmtS(firstAfter(smtpUp))} after it came back`);
    }
    notes.push(
      `paused/resumed campaign: ${rounds} rounds (${Object.entries(commandAnswers)
        .map(([k, n]) => `${k}×${n}`)
        .join(", ")}); ${optedOut.length} opted out before it was made (${earlySkipped} skipped); ` +
        `${lateOptOuts.length} opted out while it ran → ${lateRows.map((r) => `${r.status} ${r.n}`).join(", ") || "-"}`,
      ...roundNotes,
    );

    const checks: Check[] = [
      {
        what: `faults performed: ${kills.length} kill(s), Redis restart ${redis ? "done" : "not done"}, SMTP outage ${smtp ? "done" : "not done"}`,
        ok: kills.length >= (c.killEveryMs ? 1 : c.kills) && redis !== null && smtp !== null,
        hard: true,
      },
      {
        what: `every killed worker came back (${restartResults.filter((r) => !r.error).length}/${restartResults.length})`,
        ok: restartResults.every((r) => !r.error),
        hard: true,
      },
      {
        what: `paused and resumed ${rounds}/${c.pauseRounds} times, each answered 200 (${commandAnswers["200"] ?? 0}/${2 * c.pauseRounds})`,
        ok: rounds === c.pauseRounds && (commandAnswers["200"] ?? 0) === 2 * c.pauseRounds,
        hard: true,
      },
      {
        what: `both campaigns completed (${rows.map((r) => r.status).join(", ")})`,
        ok: rows.length === 2 && rows.every((r) => r.status === "completed"),
        hard: true,
      },
      {
        what: `addresses opted out before the campaign was made are skipped (${earlySkipped}/${optedOut.length})`,
        ok: earlySkipped === optedOut.length,
        hard: true,
      },
      {
        what: `big campaign: sent + failed = ${c.recipients} (${bigTally.sent} + ${bigTally.failed}; ${expectedFailures.size} refused on purpose)`,
        ok: bigTally.sent + bigTally.failed === c.recipients,
        hard: false,
      },
      {
        what: `big campaign: duplicates 0 (${bigTally.duplicates}; ${bigTally.forgiven} second copies of ledger resends allowed)`,
        ok: bigTally.duplicates === 0,
        hard: false,
      },
      {
        what: `skipped by bug 0 (${bigTally.other + pausedTally.other} skipped, ${optedOut.length + lateOptOuts.length} addresses opted out)`,
        ok: all.checks.every((x) => x.ok),
        hard: false,
      },
      { what: `paused/resumed ${rounds}×: duplicates 0 (${pausedTally.duplicates})`, ok: pausedTally.duplicates === 0, hard: false },
      {
        what: `nothing sent from ${PAUSE_GRACE_MS / 1000} s after a pause until its resume (${sentWhilePaused} emails)`,
        ok: sentWhilePaused === 0,
        hard: false,
      },
    ];
    return {
      ids: [],
      tally: all,
      submitted: 2,
      answers,
      recovery:
        `big campaign done in ${fmtS(bigMs)} (${rate.toFixed(1)} emails/s); first email ${fmtS(firstAfter(smtpUp))} after SMTP came back, ` +
        `${fmtS(firstAfter(redisUp))} after Redis did`,
      checks,
      notes,
      crashes: s.crashes,
    };
  } finally {
    await ctx.sink.setMode("up").catch(() => {});
    ctx.sink.rejectAddresses.clear();
    if (stack) await stack.stop();
    await own.drop().catch((err: Error) => ctx.log(`[campaigns] could not drop ${own.name}: ${err.message}`));
  }
}

/** Each campaign's status and how many of its recipients are final. */
async function readProgress(own: OwnDatabase, ids: string[]): Promise<Map<string, Progress>> {
  const { rows } = await own.pg.query<{ id: string; status: string; total: number; done: string; sent: string }>(
    `SELECT c.id::text, c.status::text, c.total,
            (SELECT count(*) FROM campaign_recipients r WHERE r.campaign_id = c.id AND r.status IN ('sent', 'failed', 'skipped')) AS done,
            (SELECT count(*) FROM campaign_recipients r WHERE r.campaign_id = c.id AND r.status = 'sent') AS sent
       FROM campaigns c WHERE c.id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { status: r.status, total: r.total, done: Number(r.done), sent: Number(r.sent) }]));
}

/**
 * Waits until every campaign is completed. Bounded not by a fixed time (a
 * 20,000-recipient campaign on two busy cores takes what it takes) but by
 * progress: it gives up once no recipient has finished for settleMs.
 */
async function settleCampaigns(ctx: ChaosContext, own: OwnDatabase, ids: string[], progress: () => Map<string, Progress>): Promise<boolean> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const now = progress();
    if (ids.every((id) => now.get(id)?.status === "completed")) return true;
    const done = ids.reduce((n, id) => n + (now.get(id)?.done ?? 0), 0);
    if (done !== last) {
      last = done;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > ctx.settings.settleMs) {
      ctx.log(`[campaigns] no recipient finished for ${fmtS(ctx.settings.settleMs)}; giving up (${own.name})`);
      return false;
    }
    await sleep(500);
  }
}
