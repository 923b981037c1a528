// How each figure in the tables is counted (see chaos/README.md). A scenario passes on
// independent evidence only: the web's answers, the rows in Postgres, and what the SMTP
// sink itself received — never on the product's own account of what it did.
import { table } from "../bench/stats.ts";
import { countTerminal } from "./client.ts";
import type { ChaosContext, Check, ScenarioOutcome } from "./context.ts";

export interface ScenarioResult {
  name: string;
  title: string;
  durationMs: number;
  submitted: number;
  accepted: number;
  answers: Record<string, number>;
  terminal: number;
  sent: number;
  lost: number;
  duplicates: number;
  /** Extra copies carrying the first copy's Message-ID (ambiguous-window resends are among them). */
  duplicatesSameMessageId: number;
  /** Extra copies the sink itself explains: an earlier copy of the same Message-ID whose connection it dropped before replying. */
  forgivenCopies: number;
  ambiguousResends: number;
  reclaimed: number;
  failed: number;
  topReasons: { reason: string; n: number }[];
  emailedNotSent: number;
  sentNoEmail: number;
  recovery: string;
  checks: Check[];
  notes: string[];
  error?: string;
}

/** Waits (bounded) for the scenario's reports to finish, then counts everything. */
export async function evaluate(ctx: ChaosContext, name: string, title: string, startedAt: number, outcome: ScenarioOutcome): Promise<ScenarioResult> {
  // The scenario has settled (ctx.settle) and stopped its stack: no more changes come.
  const ids = [...new Set(outcome.ids)];
  const counts = await countTerminal(ctx.pg, ids);

  // Ambiguous-window resends as the product tells them (its "Resending: …" event), for
  // the table only. Re-claims (claims > 1) are shown apart: a claim released after a
  // sure failure (refused connection, 4xx/5xx) and taken again also counts up `claims`.
  const { rows: resent } = await ctx.pg.query<{ n: string }>(
    "SELECT count(DISTINCT report_id) AS n FROM report_events WHERE report_id = ANY($1::uuid[]) AND message LIKE 'Resending%'",
    [ids],
  );

  // A duplicate is an extra copy the wire doesn't explain. Each copy the sink kept but
  // whose connection it dropped before replying (drop-after-data) explains one later
  // copy with the same Message-ID: the sender could not know the first one arrived.
  let duplicates = 0;
  let sameMsg = 0;
  let forgiven = 0;
  for (const id of ids) {
    const got = ctx.sink.byReport.get(id);
    if (!got || got.length < 2) continue;
    sameMsg += got.slice(1).filter((m) => m.messageId === got[0]!.messageId).length;
    // Each dropped reply gives credit for one later copy of its Message-ID.
    const credit = new Map<string | null, number>();
    for (const [i, m] of got.entries()) {
      if (i > 0) {
        const left = credit.get(m.messageId) ?? 0;
        if (left > 0) {
          credit.set(m.messageId, left - 1);
          forgiven += 1;
        } else duplicates += 1;
      }
      if (m.brokenReply) credit.set(m.messageId, (credit.get(m.messageId) ?? 0) + 1);
    }
  }
  const { rows: reclaims } = await ctx.pg.query<{ n: string }>("SELECT count(*) AS n FROM deliveries WHERE report_id = ANY($1::uuid[]) AND claims > 1", [ids]);
  const { rows: reasons } = await ctx.pg.query<{ reason: string; n: string }>(
    `SELECT coalesce(failure_reason, '(none)') AS reason, count(*) AS n FROM reports
      WHERE id = ANY($1::uuid[]) AND status = 'failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 3`,
    [ids],
  );
  const { rows: statuses } = await ctx.pg.query<{ id: string; status: string; message_id: string | null; failure_reason: string | null }>(
    "SELECT id::text, status::text, message_id, failure_reason FROM reports WHERE id = ANY($1::uuid[])",
    [ids],
  );
  let emailedNotSent = 0;
  let sentNoEmail = 0;
  let wrongMessageId = 0;
  const unexpectedFailures: string[] = [];
  for (const r of statuses) {
    const got = ctx.sink.byReport.get(r.id) ?? [];
    if (got.length > 0 && r.status !== "sent") emailedNotSent += 1;
    if (got.length === 0 && r.status === "sent") sentNoEmail += 1;
    if (r.status === "sent" && got.some((m) => !m.messageId || m.messageId !== r.message_id)) wrongMessageId += 1;
    if (r.status === "failed") {
      const expected = outcome.expectedFailures?.get(r.id);
      if (!expected?.test(r.failure_reason ?? "")) unexpectedFailures.push(`${r.id}: ${r.failure_reason ?? "(no reason)"}`);
    }
  }
  const missingFailures = [...(outcome.expectedFailures ?? new Map<string, RegExp>()).keys()].filter(
    (id) => statuses.find((r) => r.id === id)?.status !== "failed",
  );

  const accepted = outcome.answers["202"] ?? 0;
  const answered = Object.values(outcome.answers).reduce((a, b) => a + b, 0);
  const unexplainedAnswers = Object.entries(outcome.answers).filter(([status]) => status !== "202" && !outcome.refusals?.[status]);
  const webCrashes = (outcome.crashes ?? []).filter((c) => c.startsWith("web "));
  const late = (await outcome.afterSettle?.()) ?? [];
  const fmtAnswers = (list: [string, number][]) => list.map(([c, n]) => `${c === "0" ? "no answer" : c}×${n}`).join(", ");
  // What every scenario must show, whatever it breaks.
  const evidence: Check[] = [
    { what: `every request answered and counted (${answered}/${outcome.submitted})`, ok: answered === outcome.submitted, hard: true },
    { what: `requests accepted (${accepted} × 202, ${ids.length} reports to follow)`, ok: accepted > 0 && ids.length > 0, hard: true },
    {
      what: unexplainedAnswers.length
        ? `non-202 answers the scenario did not cause: ${fmtAnswers(unexplainedAnswers)}`
        : `every non-202 answer explained${
            outcome.refusals
              ? ` (${Object.entries(outcome.refusals)
                  .map(([c, why]) => `${c}: ${why}`)
                  .join("; ")})`
              : " (there were none)"
          }`,
      ok: unexplainedAnswers.length === 0,
      hard: true,
    },
    { what: `every 'sent' report's email reached the sink (${sentNoEmail} without)`, ok: sentNoEmail === 0, hard: true },
    { what: `every email at the sink carries its report's Message-ID (${wrongMessageId} reports with another)`, ok: wrongMessageId === 0, hard: true },
    { what: `no email for a report that is not 'sent' (${emailedNotSent})`, ok: emailedNotSent === 0, hard: true },
    {
      what: unexpectedFailures.length
        ? `reports failed that the scenario did not fail on purpose: ${unexpectedFailures.length} (e.g. ${unexpectedFailures[0]})`
        : `failed only where the scenario injected a permanent failure (${outcome.expectedFailures?.size ?? 0} expected)`,
      ok: unexpectedFailures.length === 0 && missingFailures.length === 0,
      hard: true,
    },
    { what: `the web process stayed up${webCrashes.length ? ` (${webCrashes.length} crash)` : ""}`, ok: webCrashes.length === 0, hard: true },
  ];
  return {
    name,
    title,
    durationMs: Date.now() - startedAt,
    submitted: outcome.submitted,
    accepted,
    answers: outcome.answers,
    terminal: counts.terminal,
    sent: counts.sent,
    lost: ids.length - counts.terminal,
    duplicates,
    duplicatesSameMessageId: sameMsg,
    forgivenCopies: forgiven,
    ambiguousResends: Number(resent[0]?.n ?? 0),
    reclaimed: Number(reclaims[0]?.n ?? 0),
    failed: counts.failed,
    topReasons: reasons.map((r) => ({ reason: r.reason, n: Number(r.n) })),
    emailedNotSent,
    sentNoEmail,
    recovery: outcome.recovery,
    checks: [
      ...evidence,
      ...outcome.checks,
      ...late,
      {
        what: `no worker process died on its own${outcome.crashes?.length ? ` (${outcome.crashes.length} did; restarted)` : ""}`,
        ok: !outcome.crashes?.length,
        hard: false,
      },
    ],
    notes: [...outcome.notes, ...(outcome.crashes ?? []).map((c) => `crash: ${c}`), ...missingFailures.map((id) => `expected to fail, did not: ${id}`)],
  };
}

export function failedResult(name: string, title: string, startedAt: number, err: unknown): ScenarioResult {
  return {
    name,
    title,
    durationMs: Date.now() - startedAt,
    submitted: 0,
    accepted: 0,
    answers: {},
    terminal: 0,
    sent: 0,
    lost: 0,
    duplicates: 0,
    duplicatesSameMessageId: 0,
    forgivenCopies: 0,
    ambiguousResends: 0,
    reclaimed: 0,
    failed: 0,
    topReasons: [],
    emailedNotSent: 0,
    sentNoEmail: 0,
    recovery: "n/a",
    checks: [{ what: "scenario ran to the end", ok: false, hard: true }],
    notes: [],
    error: (err as Error)?.stack ?? String(err),
  };
}

export function passed(r: ScenarioResult): boolean {
  return !r.error && r.lost === 0 && r.duplicates === 0 && r.checks.every((c) => c.ok || !c.hard);
}

const short = (s: string, n = 90) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function renderScenario(r: ScenarioResult): string {
  const answers = Object.entries(r.answers)
    .sort()
    .map(([code, n]) => `${code === "0" ? "no answer" : code}: ${n}`)
    .join(", ");
  const rows: string[][] = [
    ["submitted", String(r.submitted)],
    ["accepted (202)", String(r.accepted)],
    ["web answers", answers || "-"],
    ["reports to finish", String(r.terminal + r.lost)],
    ["terminal", `${r.terminal} (sent ${r.sent}, failed ${r.failed}, cancelled ${r.terminal - r.sent - r.failed})`],
    ["LOST (never terminal)", String(r.lost)],
    ["DUPLICATE emails (unexplained)", String(r.duplicates)],
    ["extra copies with the same Message-ID", String(r.duplicatesSameMessageId)],
    ["copies after a reply the sink dropped", String(r.forgivenCopies)],
    ["ambiguous-window resends (product log)", String(r.ambiguousResends)],
    ["deliveries claimed > 1 time", String(r.reclaimed)],
    ["emailed but not 'sent'", String(r.emailedNotSent)],
    ["'sent' without an email", String(r.sentNoEmail)],
    ["failed", String(r.failed)],
    ...r.topReasons.map((t, i) => [`  reason #${i + 1}`, `${t.n} × ${short(t.reason)}`]),
    ["time to recover", r.recovery],
    ...r.checks.map((c) => [`${c.ok ? "✓" : c.hard ? "✗" : "!"} ${c.hard ? "check" : "target"}`, short(c.what, 100)]),
    ["scenario time", `${(r.durationMs / 1000).toFixed(1)} s`],
  ];
  const head = `${passed(r) ? "PASS" : "FAIL"}  ${r.name} — ${r.title}`;
  const notes = r.notes.map((n) => `  · ${n}`);
  const error = r.error ? [`  error: ${r.error.split("\n").slice(0, 6).join("\n         ")}`] : [];
  return [head, table(["figure", "value"], rows), ...notes, ...error].join("\n");
}

export function renderSummary(results: ScenarioResult[]): string {
  return table(
    ["scenario", "submitted", "accepted", "terminal", "lost", "duplicates", "ambiguous resends", "failed", "recovery", "result"],
    results.map((r) => [
      r.name,
      String(r.submitted),
      String(r.accepted),
      String(r.terminal),
      String(r.lost),
      String(r.duplicates),
      String(r.ambiguousResends),
      String(r.failed),
      short(r.recovery, 40),
      passed(r) ? "PASS" : "FAIL",
    ]),
  );
}
