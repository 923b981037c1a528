// 12. Separate hosts and a network partition: the web app and two workers each
// in a network namespace of their own (chaos/netns.ts), reaching Postgres,
// Redis and the SMTP sink over their veth links. Reports flow at a steady
// rate; once the first worker holds reports (generating or emailing), its link
// is cut for CUT_MS — longer than the job lock (WORKER_LOCK_MS, 5 s) — and
// then healed. The cut worker can neither renew its locks nor write, so the
// other worker must take its reports over and email each once; when its link
// comes back its stalled connections resume and it carries on where it was,
// which must change nothing (attempt fencing): no second email, no row moved.
// It must then take new work again. An email the cut worker handed over just
// as its link went is the one ambiguity the product cannot avoid: the sink took
// it, but the reply (or the worker's record of it, in Postgres) never got
// through, so the report is resent after its delivery lease with the same
// Message-ID ("Resending", counted as an ambiguous-window resend) — that copy
// is forgiven, as after a reply the sink drops; any other is a DUPLICATE. PDFs are in the run's shared folder (the
// hosts share this machine's filesystem; the S3 backend has its own tests).
import { appEnv, repoRoot, sessionCache, startProcess, uniqueQueuePrefix, waitForPort, type Proc, type SinkMessage } from "@backline/test-kit";
import os from "node:os";
import path from "node:path";
import type { ChaosContext, ScenarioOutcome } from "../context.ts";
import { createNetwork, netnsUnavailable } from "../netns.ts";
import { fmtS, pollUntil, sleepUntil, steadyLoad } from "./util.ts";

/** Three lock lengths: the lock runs out and the stalled-job check has run well before the link is back. */
const CUT_MS = 20_000;
const LOAD = { full: { reports: 600, perSecond: 10 }, short: { reports: 160, perSecond: 5 } };
const WORKERS = ["worker-1", "worker-2"] as const;

interface Started {
  proc: Proc;
  workerId: string;
}

export async function networkPartitionScenario(ctx: ChaosContext): Promise<ScenarioOutcome> {
  const unavailable = netnsUnavailable();
  if (unavailable) return { skipped: `${unavailable}: no separate hosts here`, ids: [], submitted: 0, answers: {}, recovery: "n/a", checks: [], notes: [] };
  const { reports, perSecond } = ctx.settings.short ? LOAD.short : LOAD.full;
  const setup = ctx.phase("network-partition: hosts", 3, "steps", "namespaces, veth links, a bridge");
  const network = await createNetwork(["web", ...WORKERS]);
  const crashes: string[] = [];
  const started: Proc[] = [];
  let stopping = false;
  try {
    // What the hosts reach over their links: this machine's Postgres, our redis-server, the sink.
    const dbUrl = new URL(ctx.databaseUrl);
    const [pgPort, redisPort, smtpPort] = await Promise.all([
      network.forward(Number(dbUrl.port || 5432)),
      network.forward(ctx.redis.port),
      network.forward(Number(new URL(ctx.sink.url).port)),
    ]);
    dbUrl.hostname = network.gateway;
    dbUrl.port = String(pgPort);
    const webHost = network.hosts.get("web")!;
    const port = 3000;
    const stackEnv = {
      databaseUrl: dbUrl.toString(),
      redisUrl: `redis://${network.gateway}:${redisPort}`,
      smtpUrl: `smtp://${network.gateway}:${smtpPort}`,
      queuePrefix: uniqueQueuePrefix("chaos"),
      reportsDir: ctx.reportsDir,
      appUrl: `http://${webHost.address}:${port}`,
    };
    setup.update(1, `${network.gateway}/24: web ${webHost.address}, workers ${WORKERS.map((w) => network.hosts.get(w)!.address).join(", ")}`);

    const run = (host: string, name: string, cwd: string, args: string[], env: Record<string, string>) => {
      const [command, wrapped] = network.inside(host, process.execPath, args);
      const proc = startProcess(name, command, wrapped, {
        cwd: path.join(repoRoot, cwd),
        // APP_URL is not a loopback address here, so the web app asks for a sign-up policy; the harness makes its users' sessions itself.
        env: appEnv(stackEnv, { RECONCILE_INTERVAL_MS: "10000", ALLOW_OPEN_SIGN_UP: "true", ...env }),
        graceMs: 5000,
      });
      started.push(proc);
      void proc.exited.then((code) => {
        if (!stopping) crashes.push(`${name} (pid ${proc.pid}) exited with ${code}: ${proc.tail().split("\n").slice(-3).join(" ⏎ ").slice(0, 400)}`);
      });
      return proc;
    };
    const web = run("web", "web", "apps/web", ["server.mjs", "-p", String(port), "-H", webHost.address], { PORT: String(port), PGAPPNAME: "chaos-web" });
    // `ip netns exec` execs the program, so the pid is the worker's own (its worker id is <hostname>:<pid>).
    const workers: Started[] = WORKERS.map((host) => {
      const proc = run(host, host, "apps/worker", ["dist/main.js"], { WORKER_CONCURRENCY: "2", PGAPPNAME: "chaos-worker" });
      return { proc, workerId: `${os.hostname()}:${proc.pid}` };
    });
    await Promise.all([
      waitForPort(port, { what: "web app (in its namespace)", host: webHost.address, proc: web }),
      ...workers.map((w) => w.proc.waitForLine(/"msg":"worker ready"/, 90_000)),
    ]);
    setup.done(`web and ${workers.length} workers, each on a host of its own`);

    const [cutWorker, otherWorker] = workers as [Started, Started];
    const api = { baseUrl: stackEnv.appUrl, cookieFor: sessionCache(ctx.pg) };
    const load = steadyLoad(ctx, api, { label: "network-partition", tag: "partition", reports, perSecond });
    const { answers, ids } = load;

    // Cut once the load is under way and the first worker holds reports.
    let held: string[] = [];
    await pollUntil(
      async () => {
        if (load.answered() < reports / 8) return false;
        held = await heldBy(ctx, ids, cutWorker.workerId);
        return held.length > 0;
      },
      120_000,
      50,
    );
    const cutAt = Date.now();
    network.cut(WORKERS[0]);
    ctx.log(`[network-partition] ${WORKERS[0]}'s link cut with ${held.length} report(s) of its own in flight`);

    // Taken over while it is away: each of its reports sent by the other worker.
    const takenOver = await pollUntil(async () => (await sentBy(ctx, held)).every((s) => s.sent && s.by !== cutWorker.workerId), CUT_MS, 100);
    await sleepUntil(cutAt + CUT_MS);
    network.heal(WORKERS[0]);
    const healAt = Date.now();
    ctx.log(
      `[network-partition] healed after ${fmtS(healAt - cutAt)}; its reports ${takenOver ? `taken over ${fmtS(takenOver - cutAt)} after the cut` : "not all taken over while it was away"}`,
    );

    // Back: it starts new work again (the load goes on after the heal).
    const workingAgain = await pollUntil(
      async () => {
        const { rows } = await ctx.pg.query<{ n: string }>(
          "SELECT count(*) AS n FROM report_events WHERE report_id = ANY($1::uuid[]) AND status = 'generating' AND worker_id = $2 AND at > $3",
          [ids, cutWorker.workerId, new Date(healAt)],
        );
        return Number(rows[0]?.n ?? 0) > 0;
      },
      60_000,
      100,
    );
    await load.finished;
    await ctx.settle("network-partition", ids);

    const outcomes = await sentBy(ctx, held);
    const byOther = outcomes.filter((o) => o.sent && o.by === otherWorker.workerId).length;
    // A message from the cut worker accepted from just before the cut until the heal: its reply, or the worker's
    // record of it, could not get through (the worker records a send in Postgres, over the same link).
    const replyKeptFromSender = (m: SinkMessage) => network.originOf(m.remotePort) === WORKERS[0] && m.at >= cutAt - 1000 && m.at <= healAt;
    const copies = held.map((id) => {
      const got = ctx.sink.byReport.get(id) ?? [];
      const kept = got.filter(replyKeptFromSender).length;
      return `${got.length}${kept ? ` (${kept} cut off)` : ""}`;
    });
    const allEmailed = held.every((id) => (ctx.sink.byReport.get(id)?.length ?? 0) >= 1);
    // What the cut worker wrote about its own reports after the heal: nothing may have moved them.
    const { rows: lateWrites } = await ctx.pg.query<{ n: string }>(
      "SELECT count(*) AS n FROM report_events WHERE report_id = ANY($1::uuid[]) AND worker_id = $2 AND at > $3",
      [held, cutWorker.workerId, new Date(healAt)],
    );
    const cutWorkerAlive = cutWorker.proc.running();
    return {
      ids,
      submitted: reports,
      answers,
      recovery:
        `${WORKERS[0]}'s reports sent by the other worker ${takenOver ? fmtS(takenOver - cutAt) : "not while cut"} after the cut; ` +
        `it took new work ${workingAgain ? fmtS(workingAgain - healAt) : "never"} after the heal`,
      checks: [
        { what: `the cut worker held reports when its link was cut (${held.length})`, ok: held.length > 0, hard: true },
        {
          what: `each sent by the other worker and emailed (${byOther}/${held.length}; copies ${copies.join(", ") || "-"})`,
          ok: held.length > 0 && byOther === held.length && allEmailed,
          hard: true,
        },
        {
          what: `after the heal the cut worker moved none of them (${lateWrites[0]?.n ?? 0} events of its own)`,
          ok: Number(lateWrites[0]?.n ?? 0) === 0,
          hard: true,
        },
        {
          what: `taken over while the link was down (${takenOver ? fmtS(takenOver - cutAt) : `not within ${fmtS(CUT_MS)}`})`,
          ok: takenOver !== null,
          hard: false,
        },
        { what: "the cut worker took new work after the heal", ok: workingAgain !== null, hard: false },
        { what: "the cut worker is still running", ok: cutWorkerAlive, hard: false },
      ],
      notes: [
        `hosts: web ${webHost.address}, ${WORKERS.map((w) => `${w} ${network.hosts.get(w)!.address}`).join(", ")}; Postgres, Redis and SMTP through ${network.gateway}`,
        `link of ${WORKERS[0]} down for ${fmtS(CUT_MS)} (WORKER_LOCK_MS 5 s) with ${held.length} of its reports generating or emailing`,
      ],
      replyKeptFromSender,
      crashes,
    };
  } finally {
    stopping = true;
    await Promise.all(started.map((p) => p.stop()));
    await network.destroy();
  }
}

/** Reports of `ids` generating or emailing now whose latest event is `workerId`'s. */
async function heldBy(ctx: ChaosContext, ids: string[], workerId: string): Promise<string[]> {
  const { rows } = await ctx.pg.query<{ id: string }>(
    `SELECT r.id::text FROM reports r
      WHERE r.id = ANY($1::uuid[]) AND r.status IN ('generating', 'emailing')
        AND (SELECT e.worker_id FROM report_events e WHERE e.report_id = r.id ORDER BY e.id DESC LIMIT 1) = $2`,
    [ids, workerId],
  );
  return rows.map((r) => r.id);
}

/** For each report: sent yet, and by which worker (its `sent` event's). */
async function sentBy(ctx: ChaosContext, ids: string[]): Promise<{ id: string; sent: boolean; by: string | null }[]> {
  const { rows } = await ctx.pg.query<{ id: string; by: string | null }>(
    `SELECT r.id::text, (SELECT e.worker_id FROM report_events e WHERE e.report_id = r.id AND e.status = 'sent' ORDER BY e.id DESC LIMIT 1) AS by
       FROM reports r WHERE r.id = ANY($1::uuid[]) AND r.status = 'sent'`,
    [ids],
  );
  const sent = new Map(rows.map((r) => [r.id, r.by]));
  return ids.map((id) => ({ id, sent: sent.has(id), by: sent.get(id) ?? null }));
}
