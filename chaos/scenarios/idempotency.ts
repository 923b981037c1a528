// 6. A thousand identical POST /api/reports at once, all with one
// Idempotency-Key, plus a few with that key and a different body (→ 422).
// Exactly one row, one job, one email. Keys are per user, so every request
// comes from the same signed-in user (one session cookie); "a different body"
// is different params (the body names no recipient any more).
import { randomUUID } from "node:crypto";
import { reportBody, submitReport } from "../client.ts";
import type { ChaosContext, ScenarioOutcome } from "../context.ts";
import { bump, fmtS } from "./util.ts";

/** A valid request other than reportBody(): same type, other params (a valid body, so the answer is about the key, not a 400). */
const otherBody = (i: number) => ({ type: "sales-summary", params: { groupBy: i % 2 === 0 ? "week" : "month" } });

export async function idempotencyScenario(ctx: ChaosContext): Promise<ScenarioOutcome> {
  const { concurrent, conflicting } = ctx.settings.idem;
  const stack = await ctx.startStack({ workers: 2 });
  try {
    const key = `chaos-${randomUUID()}`;
    const email = `idem-${key.slice(6, 14)}@chaos.test`;
    // Warm the route (Next compiles/loads it on first hit) and sign the user in
    // (its session is made on first use), so the burst is the test. A 400: no row.
    await submitReport(stack, { type: "nope" }, { email });
    const bar = ctx.phase("idempotency: burst", concurrent + conflicting, "answers");
    let n = 0;
    const started = Date.now();
    const all = await Promise.all([
      ...Array.from({ length: concurrent }, () =>
        submitReport(stack, reportBody(), { email, idempotencyKey: key, timeoutMs: 60_000 }).finally(() => bar.update(++n)),
      ),
      ...Array.from({ length: conflicting }, (_, i) =>
        submitReport(stack, otherBody(i), { email, idempotencyKey: key, timeoutMs: 60_000 }).finally(() => bar.update(++n)),
      ),
    ]);
    const burstMs = Date.now() - started;
    const same = all.slice(0, concurrent);
    const other = all.slice(concurrent);
    const sameAnswers: Record<string, number> = {};
    for (const r of same) bump(sameAnswers, r.status);
    const otherAnswers: Record<string, number> = {};
    for (const r of other) bump(otherAnswers, r.status);
    const answers: Record<string, number> = {};
    for (const r of all) bump(answers, r.status);
    const idsSeen = new Set(same.filter((r) => r.id).map((r) => r.id!));
    const replayed = same.filter((r) => r.replayed).length;

    // Every row this user has (the key's and any made from the other bodies), and any with the key at all.
    const { rows } = await ctx.pg.query<{ id: string }>("SELECT id::text FROM reports WHERE idempotency_key = $1 OR owner_email = $2", [key, email]);
    const rowIds = rows.map((r) => r.id);
    const present = await stack.jobs.present(rowIds);
    const answerList = (a: Record<string, number>) =>
      Object.entries(a)
        .map(([c, k]) => `${c === "0" ? "no answer" : c}×${k}`)
        .join(", ");
    await ctx.settle("idempotency", rowIds);
    return {
      ids: rowIds,
      submitted: concurrent + conflicting,
      answers,
      refusals: { "422": "the same Idempotency-Key with another body" },
      recovery: `burst of ${concurrent + conflicting} answered in ${fmtS(burstMs)}`,
      checks: [
        {
          what: `all ${concurrent} same-body requests answered 202 with one id (${sameAnswers["202"] ?? 0} × 202, ${idsSeen.size} distinct id)`,
          ok: sameAnswers["202"] === concurrent && idsSeen.size === 1,
          hard: true,
        },
        { what: `different body, same key → 422 (${answerList(otherAnswers)})`, ok: otherAnswers["422"] === conflicting, hard: true },
        { what: `exactly one row for the key (${rowIds.length})`, ok: rowIds.length === 1, hard: true },
        { what: `exactly one job in Redis (${present.size})`, ok: present.size === 1, hard: true },
      ],
      afterSettle: async () => {
        const { rows: st } = await ctx.pg.query<{ status: string }>("SELECT status::text FROM reports WHERE id = ANY($1::uuid[])", [rowIds]);
        const emails = rowIds.reduce((sum, id) => sum + (ctx.sink.byReport.get(id)?.length ?? 0), 0);
        return [
          {
            what: `exactly one email, report sent (${emails} email(s), status ${st.map((r) => r.status).join(", ") || "-"})`,
            ok: emails === 1 && st.length === 1 && st[0]!.status === "sent",
            hard: true,
          },
        ];
      },
      notes: [`same-body answers: ${answerList(sameAnswers)}; ${replayed} marked Idempotent-Replayed`, `different-body answers: ${answerList(otherAnswers)}`],
      crashes: stack.crashes,
    };
  } finally {
    await stack.stop();
  }
}
