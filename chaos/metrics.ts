// How each figure in the tables is counted (see chaos/README.md).
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

  // Ambiguous-window resends: the worker's own "Resending: …" event (a claim taken over
  // from a `sending` delivery). Re-claims (claims > 1) are shown apart: a claim
  // released after a sure failure (refused connection, 4xx/5xx) and taken again
  // also counts up `claims`, so claims > 1 alone does not mean a resend.
  const { rows: resent } = await ctx.pg.query<{ id: string }>(
    "SELECT DISTINCT report_id::text AS id FROM report_events WHERE report_id = ANY($1::uuid[]) AND message LIKE 'Resending%'",
    [ids],
  );
  const explained = new Set(resent.map((r) => r.id));
  const ambiguous = [{ n: String(explained.size) }];

  // A duplicate is an extra copy nothing explains. A copy that follows a logged
  // ambiguous-window resend and carries the same Message-ID is that resend, counted
  // apart (the issue's "ambiguous-window resends, counted separately").
  let duplicates = 0;
  let sameMsg = 0;
  for (const id of ids) {
    const got = ctx.sink.byReport.get(id);
    if (!got || got.length < 2) continue;
    const first = got[0]!.messageId;
    const copies = got.slice(1);
    const sameId = copies.filter((m) => m.messageId === first).length;
    sameMsg += sameId;
    duplicates += explained.has(id) ? copies.length - Math.min(sameId, 1) : copies.length;
  }
  const { rows: reclaims } = await ctx.pg.query<{ n: string }>("SELECT count(*) AS n FROM deliveries WHERE report_id = ANY($1::uuid[]) AND claims > 1", [ids]);
  const { rows: reasons } = await ctx.pg.query<{ reason: string; n: string }>(
    `SELECT coalesce(failure_reason, '(none)') AS reason, count(*) AS n FROM reports
      WHERE id = ANY($1::uuid[]) AND status = 'failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 3`,
    [ids],
  );
  const { rows: statuses } = await ctx.pg.query<{ id: string; status: string }>("SELECT id::text, status::text FROM reports WHERE id = ANY($1::uuid[])", [ids]);
  let emailedNotSent = 0;
  let sentNoEmail = 0;
  for (const r of statuses) {
    const emailed = (ctx.sink.byReport.get(r.id)?.length ?? 0) > 0;
    if (emailed && r.status !== "sent") emailedNotSent += 1;
    if (!emailed && r.status === "sent") sentNoEmail += 1;
  }

  const accepted = outcome.answers["202"] ?? 0;
  const late = (await outcome.afterSettle?.()) ?? [];
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
    ambiguousResends: Number(ambiguous[0]?.n ?? 0),
    reclaimed: Number(reclaims[0]?.n ?? 0),
    failed: counts.failed,
    topReasons: reasons.map((r) => ({ reason: r.reason, n: Number(r.n) })),
    emailedNotSent,
    sentNoEmail,
    recovery: outcome.recovery,
    checks: [...outcome.checks, ...late, { what: `no web/worker process died on its own${outcome.crashes?.length ? ` (${outcome.crashes.length} did)` : ""}`, ok: !outcome.crashes?.length, hard: false }],
    notes: [...outcome.notes, ...(outcome.crashes ?? []).map((c) => `crash: ${c}`)],
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
    ["ambiguous-window resends", String(r.ambiguousResends)],
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
