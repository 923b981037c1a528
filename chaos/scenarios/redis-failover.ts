// Redis Cluster failover: the stack runs on a Redis Cluster of its own (3
// masters + 3 replicas on loopback, @backline/test-kit's startRedisCluster,
// cluster-node-timeout 3 s) instead of the run's redis-server, with
// REDIS_CLUSTER_NODES as a deployment sets it. Reports flow at a steady rate;
// mid-load the master that serves the stack's hash slot (every Backline key
// shares the prefix's hash tag, so this is the master holding all of them) is
// killed -9. Its replica must take over, and every report — in flight, queued,
// or asked for while the slot had no master — must end sent, once. Replication
// is asynchronous: what the dead master had not passed on is gone (a job can
// come back, or run again); Postgres, the reconciler and attempt fencing must
// cover it. Afterwards the old master is started again and rejoins as a replica.
import { withHashTag } from "@backline/config";
import { startRedisCluster } from "@backline/test-kit";
import { countTerminal } from "../client.ts";
import type { ChaosContext, ScenarioOutcome } from "../context.ts";
import { bump, fmtS, pollUntil, steadyLoad } from "./util.ts";

/** From the kill to the replica serving the slot (cluster-node-timeout 3 s plus the election). */
const PROMOTION_TARGET_MS = 15_000;
/** From the kill to a job started again after the promotion. */
const FLOWING_TARGET_MS = 30_000;

const LOAD = { full: { reports: 600, perSecond: 15 }, short: { reports: 120, perSecond: 12 } };

export async function redisFailoverScenario(ctx: ChaosContext): Promise<ScenarioOutcome> {
  const { reports, perSecond } = ctx.settings.short ? LOAD.short : LOAD.full;
  const setup = ctx.phase("redis-failover: cluster", 2, "steps", "6 redis-servers, redis-cli --cluster create");
  const cluster = await startRedisCluster();
  setup.update(1, `nodes ${cluster.nodes}; web and 3 workers`);
  const notes: string[] = [];
  let stack: Awaited<ReturnType<ChaosContext["startStack"]>> | null = null;
  try {
    stack = await ctx.startStack({ workers: 3, env: cluster.env });
    setup.done(`cluster ${cluster.nodes}`);
    // The apps give the prefix its hash tag (QUEUE_PREFIX has none here); every key of the stack lives in that one slot.
    const slotKey = `${withHashTag(stack.env.queuePrefix)}:reports:wait`;
    const master = await cluster.masterOf(slotKey);
    const [replica] = await cluster.replicasOf(master);

    let killAt: number | null = null;
    const duringFailover: Record<string, number> = {};
    let promotedAt: number | null = null;
    const load = steadyLoad(ctx, stack, {
      label: "redis-failover",
      tag: "failover",
      reports,
      perSecond,
      onResult: (r) => {
        if (killAt !== null && promotedAt === null) bump(duringFailover, r.status);
      },
    });
    const { answers, ids } = load;

    // Kill once the load is well under way: a third submitted and reports in flight.
    await pollUntil(async () => load.answered() >= reports / 3 && (await inFlight(ctx, ids)) > 0, 120_000, 100);
    const inFlightAtKill = await inFlight(ctx, ids);
    const acceptedBeforeKill = [...ids];
    killAt = Date.now();
    await cluster.kill(master);
    ctx.log(
      `[redis-failover] kill -9 of master 127.0.0.1:${master} (the stack's slot) with ${inFlightAtKill} report(s) in flight, replica ${replica ?? "none"}`,
    );

    // Promoted: the cluster is ok again and a running master (the replica) serves the slot.
    const promoted = await pollUntil(
      () =>
        cluster
          .waitHealthy({ timeoutMs: 1000, replicated: false })
          .then(() => cluster.masterOf(slotKey))
          .then(
            (port) => port === replica,
            () => false,
          ),
      60_000,
      100,
    );
    promotedAt = promoted;
    const newMaster = await cluster.masterOf(slotKey).catch(() => null);
    ctx.log(`[redis-failover] ${promoted ? `127.0.0.1:${newMaster} serves the slot ${fmtS(promoted - killAt)} after the kill` : "no promotion within 60 s"}`);

    // Flowing again: a report started (a new attempt's `generating` event) after the promotion.
    const flowing = promoted
      ? await pollUntil(
          async () => {
            const { rows } = await ctx.pg.query<{ n: string }>(
              "SELECT count(*) AS n FROM report_events WHERE report_id = ANY($1::uuid[]) AND status = 'generating' AND at > $2",
              [ids, new Date(promoted)],
            );
            return Number(rows[0]?.n ?? 0) > 0;
          },
          60_000,
          100,
        )
      : null;

    await load.finished;
    // Every report accepted before the kill final: the backlog the failover hit, worked off.
    const backlog = await pollUntil(
      async () => (await countTerminal(ctx.pg, acceptedBeforeKill)).terminal >= acceptedBeforeKill.length,
      ctx.settings.settleMs,
      250,
    );
    await ctx.settle("redis-failover", ids);

    const { rows: again } = await ctx.pg.query<{ n: string }>("SELECT count(*) AS n FROM reports WHERE id = ANY($1::uuid[]) AND attempts > 1", [ids]);
    const { rows: requeued } = await ctx.pg.query<{ n: string }>(
      "SELECT count(DISTINCT report_id) AS n FROM report_events WHERE report_id = ANY($1::uuid[]) AND message LIKE 'Re-queued%' AND at >= $2",
      [ids, new Date(killAt)],
    );
    const failoverAnswers = Object.entries(duringFailover)
      .map(([c, n]) => `${c === "0" ? "no answer" : c}×${n}`)
      .join(", ");
    notes.push(`cluster ${cluster.nodes}; cluster-node-timeout 3 s; the stack's slot on 127.0.0.1:${master}, its replica 127.0.0.1:${replica ?? "none"}`);
    notes.push(`at the kill: ${acceptedBeforeKill.length} accepted, ${inFlightAtKill} generating or emailing`);
    notes.push(`answers between the kill and the promotion: ${failoverAnswers || "none"}`);
    notes.push(`reports that took more than one attempt: ${again[0]?.n ?? 0}; re-queued by the reconciler after the kill: ${requeued[0]?.n ?? 0}`);

    // The old master back: it rejoins as a replica of the one that took over.
    const restartedAt = Date.now();
    await cluster.restart(master);
    const rejoined = await cluster
      .waitHealthy({ timeoutMs: 60_000, replicated: true })
      .then(() => Date.now())
      .catch(() => null);
    const roleNow = (await cluster.replicasOf(replica ?? master).catch(() => [] as number[])).includes(master) ? "a replica" : "not a replica";
    notes.push(
      rejoined
        ? `127.0.0.1:${master} restarted: back as ${roleNow}, in sync ${fmtS(rejoined - restartedAt)} later`
        : `127.0.0.1:${master} restarted: not in sync within 60 s`,
    );

    const promotionMs = promoted ? promoted - killAt : Number.NaN;
    const flowingMs = flowing ? flowing - killAt : Number.NaN;
    const backlogMs = backlog ? backlog - killAt : Number.NaN;
    return {
      ids,
      submitted: reports,
      answers,
      refusals: { "503": "a clear refusal while the slot had no master" },
      recovery:
        `replica promoted ${fmtS(promotionMs)} after kill -9 of the master; jobs starting again ${fmtS(flowingMs)} after it; ` +
        `every report accepted before the kill final ${fmtS(backlogMs)} after it`,
      checks: [
        { what: `the master serving the stack's slot was killed -9 with reports in flight (${inFlightAtKill})`, ok: inFlightAtKill > 0, hard: true },
        {
          what: `its replica took over the slot (127.0.0.1:${master} → 127.0.0.1:${newMaster ?? "none"})`,
          ok: replica !== undefined && newMaster === replica,
          hard: true,
        },
        {
          what: `requests between the kill and the promotion answered 202 or a clear 503 (${failoverAnswers || "none"})`,
          ok: Object.keys(duringFailover).every((c) => c === "202" || c === "503"),
          hard: true,
        },
        { what: `the old master rejoined as a replica, in sync`, ok: rejoined !== null && roleNow === "a replica", hard: false },
        { what: `promotion ≤ ${PROMOTION_TARGET_MS / 1000} s after the kill (${fmtS(promotionMs)})`, ok: promotionMs <= PROMOTION_TARGET_MS, hard: false },
        { what: `jobs starting again ≤ ${FLOWING_TARGET_MS / 1000} s after the kill (${fmtS(flowingMs)})`, ok: flowingMs <= FLOWING_TARGET_MS, hard: false },
      ],
      notes,
      crashes: stack.crashes,
    };
  } finally {
    await stack?.stop();
    await cluster.stop();
  }
}

/** Reports of `ids` that are generating or emailing now. */
async function inFlight(ctx: ChaosContext, ids: string[]): Promise<number> {
  const { rows } = await ctx.pg.query<{ n: string }>("SELECT count(*) AS n FROM reports WHERE id = ANY($1::uuid[]) AND status IN ('generating', 'emailing')", [
    ids,
  ]);
  return Number(rows[0]?.n ?? 0);
}
