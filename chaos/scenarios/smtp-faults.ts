// 3. The mail server misbehaves, in four phases:
//   a. down (not listening) for a while during a load,
//   b. then answering 421 (first at MAIL FROM, then after DATA),
//   c. then up, but refusing some addresses with 550 — those reports must end
//      `failed` with a plain reason; every other one `sent`, exactly once;
//   d. then keeping each message but dropping the connection before its reply (the
//      ambiguous window): the worker must resend with the same Message-ID, and the
//      only extra copies allowed are those the sink itself saw a dropped reply for.
import { submitMany } from "../client.ts";
import type { ChaosContext, ScenarioOutcome } from "../context.ts";
import { bump, fmtS, pollUntil, sleep } from "./util.ts";

/** How a report to an address the server refused must read. */
const REFUSED_REASON = /550|rejected|refused/i;

export async function smtpFaultsScenario(ctx: ChaosContext): Promise<ScenarioOutcome> {
  const s = ctx.settings.smtp;
  const stack = await ctx.startStack({ workers: 3 });
  const answers: Record<string, number> = {};
  const notes: string[] = [];
  const phaseIds: Record<"down" | "busy" | "reject" | "drop", string[]> = { down: [], busy: [], reject: [], drop: [] };
  const rejected = new Set<string>(); // ids of reports sent to a refused address
  const submit = async (phase: keyof typeof phaseIds, count: number, perSecond: number, emailFor?: (i: number) => string) => {
    const bar = ctx.phase(`smtp: ${phase} – submitting`, count, "reports");
    let done = 0;
    await submitMany(stack, count, {
      tag: `smtp-${phase}`,
      concurrency: 8,
      perSecond,
      emailFor,
      onResult: (r, i) => {
        bump(answers, r.status);
        if (r.id) {
          phaseIds[phase].push(r.id);
          if (emailFor && ctx.sink.rejectAddresses.has(emailFor(i))) rejected.add(r.id);
        }
        bar.update(++done, `sink ${ctx.sink.mode()}`);
      },
    });
  };
  try {
    // a. Down for downMs, starting shortly after the load begins.
    const downLoad = submit("down", s.downReports, Math.max(2, s.downReports / (s.downMs / 1000 + 4)));
    await sleep(1500);
    await ctx.sink.setMode("down");
    const downAt = Date.now();
    ctx.log(`[smtp] sink DOWN for ${fmtS(s.downMs)}`);
    await sleep(s.downMs);
    await ctx.sink.setMode("up");
    const upAt = Date.now();
    ctx.log("[smtp] sink up again");
    await downLoad;
    // Recovery: from the sink coming back to the first message it accepted again,
    // and to every report of this phase being final.
    const firstAfter = await pollUntil(async () => ctx.sink.accepted.some((m) => m.at >= upAt), 60_000, 100);
    const downFinal = await pollUntil(
      async () => {
        const { rows } = await ctx.pg.query<{ n: string }>(
          "SELECT count(*) AS n FROM reports WHERE id = ANY($1::uuid[]) AND status IN ('sent','failed','cancelled')",
          [phaseIds.down],
        );
        return Number(rows[0]?.n ?? 0) >= phaseIds.down.length;
      },
      ctx.settings.settleMs,
      500,
    );

    // b. 421 at MAIL FROM, then 421 after the message data.
    const busyLoad = submit("busy", s.busyReports, Math.max(2, s.busyReports / (s.busyMs / 1000 + 2)));
    await ctx.sink.setMode("421-mail");
    await sleep(s.busyMs / 2);
    await ctx.sink.setMode("421-data");
    await sleep(s.busyMs / 2);
    await ctx.sink.setMode("up");
    const busyUpAt = Date.now();
    await busyLoad;
    const busyFinal = await pollUntil(
      async () => {
        const { rows } = await ctx.pg.query<{ n: string }>(
          "SELECT count(*) AS n FROM reports WHERE id = ANY($1::uuid[]) AND status IN ('sent','failed','cancelled')",
          [phaseIds.busy],
        );
        return Number(rows[0]?.n ?? 0) >= phaseIds.busy.length;
      },
      ctx.settings.settleMs,
      500,
    );

    // c. 550 for every rejectEvery-th address.
    const emailFor = (i: number) => (i % s.rejectEvery === 0 ? `refused-${i}@chaos.test` : `smtp-reject-ok-${i}@chaos.test`);
    for (let i = 0; i < s.rejectReports; i += s.rejectEvery) ctx.sink.rejectAddresses.add(emailFor(i));
    await submit("reject", s.rejectReports, 30, emailFor);
    await pollUntil(
      async () => {
        const { rows } = await ctx.pg.query<{ n: string }>(
          "SELECT count(*) AS n FROM reports WHERE id = ANY($1::uuid[]) AND status IN ('sent','failed','cancelled')",
          [phaseIds.reject],
        );
        return Number(rows[0]?.n ?? 0) >= phaseIds.reject.length;
      },
      ctx.settings.settleMs,
      500,
    );

    // The 550 phase, checked report by report.
    const { rows } = await ctx.pg.query<{ id: string; status: string; failure_reason: string | null }>(
      "SELECT id::text, status::text, failure_reason FROM reports WHERE id = ANY($1::uuid[])",
      [phaseIds.reject],
    );
    let refusedOk = 0;
    let othersOk = 0;
    const wrong: string[] = [];
    for (const r of rows) {
      const emails = ctx.sink.byReport.get(r.id)?.length ?? 0;
      if (rejected.has(r.id)) {
        if (r.status === "failed" && REFUSED_REASON.test(r.failure_reason ?? "") && emails === 0) refusedOk += 1;
        else wrong.push(`refused address ${r.id}: ${r.status}, ${emails} email(s), reason ${r.failure_reason ?? "-"}`);
      } else if (r.status === "sent" && emails === 1) othersOk += 1;
      else wrong.push(`${r.id}: ${r.status}, ${emails} email(s), reason ${r.failure_reason ?? "-"}`);
    }
    // d. The sink keeps each message and drops the connection before replying, for dropMs.
    const dropLoad = submit("drop", s.dropReports, Math.max(2, s.dropReports / (s.dropMs / 1000)));
    await ctx.sink.setMode("drop-after-data");
    await sleep(s.dropMs);
    await ctx.sink.setMode("up");
    await dropLoad;
    await pollUntil(
      async () => {
        const { rows: done } = await ctx.pg.query<{ n: string }>(
          "SELECT count(*) AS n FROM reports WHERE id = ANY($1::uuid[]) AND status IN ('sent','failed','cancelled')",
          [phaseIds.drop],
        );
        return Number(done[0]?.n ?? 0) >= phaseIds.drop.length;
      },
      ctx.settings.settleMs,
      500,
    );
    // Every report whose reply was dropped was resent once, with the same Message-ID, and says so in its history.
    const dropped = phaseIds.drop.filter((id) => ctx.sink.byReport.get(id)?.some((m) => m.brokenReply));
    const { rows: resendEvents } = await ctx.pg.query<{ id: string }>(
      "SELECT DISTINCT report_id::text AS id FROM report_events WHERE report_id = ANY($1::uuid[]) AND message LIKE 'Resending%'",
      [dropped],
    );
    const resentRight = dropped.filter((id) => {
      const got = ctx.sink.byReport.get(id)!;
      return got.length >= 2 && !got.at(-1)!.brokenReply && got.every((m) => m.messageId === got[0]!.messageId);
    });

    const sampleReason = rows.find((r) => rejected.has(r.id))?.failure_reason;
    if (sampleReason) notes.push(`550 reason as stored: "${sampleReason}"`);
    for (const w of wrong.slice(0, 5)) notes.push(`550 phase, unexpected: ${w}`);

    const phaseSummary = async (ids: string[]) => {
      const { rows: st } = await ctx.pg.query<{ status: string; n: string }>(
        "SELECT status::text, count(*) AS n FROM reports WHERE id = ANY($1::uuid[]) GROUP BY 1 ORDER BY 1",
        [ids],
      );
      return st.map((x) => `${x.status} ${x.n}`).join(", ");
    };
    notes.push(`phase a (down ${fmtS(s.downMs)}): ${phaseIds.down.length} reports → ${await phaseSummary(phaseIds.down)}`);
    notes.push(
      `phase b (421 for ${fmtS(s.busyMs)}; refusals: MAIL ${ctx.sink.refused["421-mail"]}, after DATA ${ctx.sink.refused["421-data"]}): ${phaseIds.busy.length} reports → ${await phaseSummary(phaseIds.busy)}`,
    );
    notes.push(`phase c (550 for ${rejected.size} addresses): ${phaseIds.reject.length} reports → ${await phaseSummary(phaseIds.reject)}`);
    notes.push(
      `phase d (replies dropped after DATA for ${fmtS(s.dropMs)}; ${ctx.sink.refused["dropped-after-data"]} dropped): ${phaseIds.drop.length} reports → ${await phaseSummary(phaseIds.drop)}; ` +
        `${dropped.length} had a reply dropped, ${resentRight.length} of them resent with the same Message-ID, ${resendEvents.length} with a "Resending" event`,
    );

    const recovery = [
      `first email ${firstAfter ? fmtS(firstAfter - upAt) : "never"} after SMTP came back (down at +${fmtS(upAt - downAt)})`,
      `phase a final ${downFinal ? fmtS(downFinal - upAt) : "never"} after`,
      `phase b final ${busyFinal ? fmtS(Math.max(0, busyFinal - busyUpAt)) : "never"} after 421s stopped`,
    ].join("; ");
    const all = [...phaseIds.down, ...phaseIds.busy, ...phaseIds.reject, ...phaseIds.drop];
    await ctx.settle("smtp-faults", all);
    return {
      ids: all,
      submitted: s.downReports + s.busyReports + s.rejectReports + s.dropReports,
      answers,
      // Only the refused addresses may fail, with the reason naming the refusal; outages and dropped replies must end sent.
      expectedFailures: new Map([...rejected].map((id) => [id, REFUSED_REASON])),
      recovery,
      checks: [
        {
          what: `550 addresses: failed with the server's 550 reason, no email (${refusedOk}/${rejected.size})`,
          ok: refusedOk === rejected.size && rejected.size > 0,
          hard: true,
        },
        {
          what: `other addresses in the 550 phase: sent, exactly one email (${othersOk}/${phaseIds.reject.length - rejected.size})`,
          ok: othersOk === phaseIds.reject.length - rejected.size,
          hard: true,
        },
        {
          what: `dropped replies happened (${dropped.length} reports) and each was resent with the same Message-ID (${resentRight.length})`,
          ok: dropped.length > 0 && resentRight.length === dropped.length,
          hard: true,
        },
        {
          what: `each resend after a dropped reply is in the report's history (${resendEvents.length}/${dropped.length})`,
          ok: resendEvents.length === dropped.length,
          hard: true,
        },
      ],
      notes,
      crashes: stack.crashes,
    };
  } finally {
    await ctx.sink.setMode("up").catch(() => {});
    ctx.sink.rejectAddresses.clear();
    await stack.stop();
  }
}
