// 8. A worker that loses its job lock without dying: SIGSTOP it mid-render for
// longer than the lock, let the other worker take the report over and send it,
// then SIGCONT it. The paused worker carries on where it stopped — it finishes
// its render and tries to move on — and must change nothing: the sent report
// still downloads byte for byte as the PDF that was emailed, and nobody gets a
// second email. Each round pauses one long report; background reports keep
// both workers busy around it.
import { simpleParser } from "mailparser";
import { readdir } from "node:fs/promises";
import { submitMany, submitReport } from "../client.ts";
import type { ChaosContext, ScenarioOutcome } from "../context.ts";
import type { WorkerProc } from "../stack.ts";
import { bump, fmtS, longestSalesSummary, pollUntil } from "./util.ts";

/** Past the default WORKER_LOCK_MS (5 s) with room for the stalled-job check to run. */
const PAUSE_MS = 12_000;

interface Round {
  id: string;
  paused: string;
  takeoverMs: number | null;
  identical: boolean | null;
  emails: number;
  note: string;
}

export async function pausedWorkerScenario(ctx: ChaosContext): Promise<ScenarioOutcome> {
  const { rounds, background } = ctx.settings.paused;
  const stack = await ctx.startStack({ workers: 2, concurrency: 1 });
  const answers: Record<string, number> = {};
  const ids: string[] = [];
  const results: Round[] = [];
  try {
    const longest = await longestSalesSummary(ctx.db);
    const bar = ctx.phase("paused-worker: rounds", rounds, "rounds");
    for (let round = 0; round < rounds; round++) {
      const email = `paused-${round}@chaos.test`;
      const long = await submitReport(stack, longest, { email });
      bump(answers, long.status);
      if (!long.id) throw new Error(`the long report of round ${round + 1} was not accepted (${long.status} ${long.error})`);
      const id = long.id;
      ids.push(id);
      ctx.sink.keepMessagesOf.add(id);
      const backgroundRun = submitMany(stack, background, {
        tag: `paused-bg-${round}`,
        concurrency: 2,
        perSecond: 10,
        onResult: (r) => {
          bump(answers, r.status);
          if (r.id) ids.push(r.id);
        },
      });

      // Mid-render: generating, past the query, by a worker we can name.
      let holder: WorkerProc | undefined;
      const midRender = await pollUntil(
        async () => {
          const { rows } = await ctx.pg.query<{ status: string; progress: number; worker_id: string | null }>(
            `SELECT r.status::text, r.progress, (SELECT e.worker_id FROM report_events e WHERE e.report_id = r.id ORDER BY e.id DESC LIMIT 1) AS worker_id
               FROM reports r WHERE r.id = $1`,
            [id],
          );
          const row = rows[0];
          holder = stack.workers.find((w) => w.workerId === row?.worker_id);
          return Boolean(row && holder && row.status === "generating" && row.progress >= 15 && row.progress <= 80);
        },
        60_000,
        10,
      );
      if (!midRender || !holder) {
        results.push({ id, paused: "-", takeoverMs: null, identical: null, emails: ctx.sink.byReport.get(id)?.length ?? 0, note: "never caught mid-render" });
        await backgroundRun;
        bar.update(round + 1);
        continue;
      }
      const paused = holder;
      const pausedAt = Date.now();
      paused.proc.signal("SIGSTOP");
      let sentAt: number | null;
      try {
        // The other worker takes it over once the lock runs out, and sends it.
        sentAt = await pollUntil(
          async () => (await ctx.pg.query("SELECT 1 FROM reports WHERE id = $1 AND status = 'sent'", [id])).rowCount === 1,
          PAUSE_MS + 60_000,
          100,
        );
        const stillPaused = PAUSE_MS - (Date.now() - pausedAt);
        if (stillPaused > 0) await new Promise((r) => setTimeout(r, stillPaused));
      } finally {
        paused.proc.signal("SIGCONT");
      }
      // The resumed worker finishes its render and finds itself superseded: it says so in a
      // log line naming the report (a lock-renewal error at resume names it too, so not just any line).
      const end = "superseded|taken over|job completed|job failed";
      const finished = await paused.proc.waitForLine(new RegExp(`${id}.*(${end})|(${end}).*${id}`), 60_000).then(
        (line) => /"msg":"([^"]+)"/.exec(line)?.[1] ?? line.slice(0, 80),
        () => null,
      );
      // …and removes its own file.
      const attempt = (
        await ctx.pg.query<{ attempt: number }>(
          `SELECT attempt FROM report_events WHERE report_id = $1 AND message = 'Attempt started' AND worker_id = $2 ORDER BY id LIMIT 1`,
          [id, paused.workerId],
        )
      ).rows[0]?.attempt;
      const ownPrefix = `${id}-a${attempt}.pdf`;
      const cleanedUp = await pollUntil(async () => !(await readdir(ctx.reportsDir)).some((name) => name.startsWith(ownPrefix)), 60_000, 100);
      await backgroundRun;

      const emailed = ctx.sink.byReport.get(id) ?? [];
      const attachment = emailed[0]?.raw ? (await simpleParser(emailed[0].raw)).attachments[0]?.content : undefined;
      // A download that breaks off (a file shorter than its Content-Length) counts as no download.
      const download = await fetch(`${stack.baseUrl}/reports/${id}/download`, { headers: { cookie: await stack.cookieFor(email) } })
        .then(async (res) => ({ status: String(res.status), body: res.status === 200 ? Buffer.from(await res.arrayBuffer()) : null }))
        .catch((err: Error) => ({ status: `broken off (${err.message})`, body: null }));
      const downloaded = download.body;
      const identical = Boolean(attachment && downloaded && attachment.equals(downloaded));
      results.push({
        id,
        paused: paused.workerId,
        takeoverMs: sentAt === null ? null : sentAt - pausedAt,
        identical,
        emails: emailed.length,
        note:
          `round ${round + 1}: paused ${paused.workerId} for ${fmtS(PAUSE_MS)} at attempt ${attempt}; sent by the other worker ${sentAt === null ? "never" : `${fmtS(sentAt - pausedAt)} after the pause`}; ` +
          `resumed worker ${finished === null ? "logged nothing about it within 60 s" : `finished: "${finished}"`}; ` +
          `paused attempt's file ${cleanedUp === null ? "still there" : "removed"}; download ${download.status}${downloaded ? ` (${downloaded.length} bytes)` : ""}, ` +
          `emailed attachment ${attachment ? `${attachment.length} bytes` : "missing"}, ${identical ? "identical" : "DIFFERENT"}; ${emailed.length} email(s)`,
      });
      bar.update(round + 1);
    }
    bar.done(`${results.filter((r) => r.identical).length}/${rounds} identical`);
    await ctx.settle("paused-worker", ids);
    const takeovers = results.flatMap((r) => (r.takeoverMs === null ? [] : [r.takeoverMs]));
    const caught = results.filter((r) => r.paused !== "-");
    return {
      ids,
      submitted: rounds * (1 + background),
      answers,
      recovery: takeovers.length ? `sent by the other worker ${fmtS(Math.min(...takeovers))}–${fmtS(Math.max(...takeovers))} after the pause` : "no takeover",
      checks: [
        { what: `a worker was paused mid-render in every round (${caught.length}/${rounds})`, ok: caught.length === rounds, hard: true },
        {
          what: `every paused report was sent by the other worker while paused (${takeovers.length}/${caught.length})`,
          ok: takeovers.length === caught.length,
          hard: true,
        },
        {
          what: `every paused report downloads byte-identical to its emailed PDF (${results.filter((r) => r.identical).length}/${caught.length})`,
          ok: caught.every((r) => r.identical),
          hard: true,
        },
        { what: `every paused report emailed exactly once (${results.map((r) => r.emails).join(", ")})`, ok: results.every((r) => r.emails === 1), hard: true },
      ],
      notes: results.map((r) => r.note),
      crashes: stack.crashes,
    };
  } finally {
    for (const id of ids) ctx.sink.keepMessagesOf.delete(id);
    await stack.stop();
  }
}
