// How each figure in the tables is counted (see chaos/README.md). A scenario passes on
// independent evidence only: the web's answers, the rows in Postgres, and what the SMTP
// sink itself received — never on the product's own account of what it did.
import { table } from "../bench/stats.ts";
import type { SinkMessage, SmtpSink } from "@backline/test-kit";
import type pg from "pg";
import { countTerminal } from "./client.ts";
import type { ChaosContext, Check, ScenarioOutcome } from "./context.ts";

export interface ScenarioResult {
  name: string;
  title: string;
  durationMs: number;
  /** What the figures count: reports, or a campaign's recipients. */
  unit: Tally["unit"];
  /** The answer counted as accepted (202; 201 for a new schedule). */
  acceptedStatus: string;
  submitted: number;
  accepted: number;
  answers: Record<string, number>;
  terminal: number;
  sent: number;
  /** Terminal neither sent nor failed: cancelled reports, skipped recipients. */
  other: number;
  otherLabel: Tally["otherLabel"];
  lost: number;
  duplicates: number;
  /** Extra copies carrying the first copy's Message-ID (ambiguous-window resends are among them). */
  duplicatesSameMessageId: number;
  /** Extra copies the sink itself explains: an earlier copy of the same Message-ID whose connection it dropped before replying (recipients: or a resend the ledger counts). */
  forgivenCopies: number;
  forgivenBy: string;
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
  /** Why it didn't run here (not root: no network namespaces); a skipped scenario neither passes nor fails the run. */
  skipped?: string;
}

/**
 * What happened to everything a scenario follows — its reports, or a campaign's
 * recipients — judged from the rows and what the sink received.
 */
export interface Tally {
  unit: "reports" | "recipients";
  /** Reports (recipients) that must end final. */
  toFinish: number;
  terminal: number;
  sent: number;
  failed: number;
  /** Cancelled reports, or skipped recipients. */
  other: number;
  otherLabel: "cancelled" | "skipped";
  duplicates: number;
  sameMsg: number;
  forgiven: number;
  /** What forgives a copy, for the row's label. */
  forgivenBy: string;
  ambiguousResends: number;
  reclaimed: number;
  topReasons: { reason: string; n: number }[];
  emailedNotSent: number;
  sentNoEmail: number;
  wrongMessageId: number;
  /** How many the scenario failed on purpose. */
  expectedFailures: number;
  unexpectedFailures: string[];
  missingFailures: string[];
  /** Hard checks of this kind of unit (recipients: skipped only when opted out). */
  checks: Check[];
}

/** The reports' figures: rows in Postgres against the sink's messages by X-Report-Id. */
async function tallyReports(ctx: ChaosContext, outcome: ScenarioOutcome): Promise<Tally> {
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
  // whose connection it dropped before replying (drop-after-data), or whose reply the
  // scenario kept from its sender (a cut link), explains one later copy with the same
  // Message-ID: the sender could not know the first one arrived.
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
      if (m.brokenReply || outcome.replyKeptFromSender?.(m)) credit.set(m.messageId, (credit.get(m.messageId) ?? 0) + 1);
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
  return {
    unit: "reports",
    toFinish: ids.length,
    terminal: counts.terminal,
    sent: counts.sent,
    failed: counts.failed,
    other: counts.cancelled,
    otherLabel: "cancelled",
    duplicates,
    sameMsg,
    forgiven,
    forgivenBy: outcome.replyKeptFromSender ? "copies after a reply the sink dropped or the cut kept" : "copies after a reply the sink dropped",
    ambiguousResends: Number(resent[0]?.n ?? 0),
    reclaimed: Number(reclaims[0]?.n ?? 0),
    topReasons: reasons.map((r) => ({ reason: r.reason, n: Number(r.n) })),
    emailedNotSent,
    sentNoEmail,
    wrongMessageId,
    expectedFailures: outcome.expectedFailures?.size ?? 0,
    unexpectedFailures,
    missingFailures,
    checks: [],
  };
}

/**
 * A campaign's recipients: every ledger row against the sink's messages by
 * X-Campaign-Id and X-Campaign-Recipient. An extra copy is forgiven only when it
 * carries the row's Message-ID and the ledger counts a resend for it (the
 * sender found the recipient still `sending` after its lease: the first send's
 * outcome was unknown), or the sink itself dropped the reply to an earlier copy;
 * any other copy is a duplicate, as is a message naming a recipient the ledger
 * doesn't have. `skipped` is right only for an address that opted out.
 * `expectedFailures`: recipient id → the reason it must fail with.
 */
export async function tallyRecipients(
  pg: pg.Client,
  sink: SmtpSink,
  campaignIds: readonly string[],
  expectedFailures: Map<string, RegExp> = new Map(),
): Promise<Tally> {
  const { rows } = await pg.query<{
    id: string;
    campaign_id: string;
    status: string;
    message_id: string | null;
    failure_reason: string | null;
    claims: number;
    resends: number;
    opted_out: boolean;
  }>(
    `SELECT r.id::text, r.campaign_id::text, r.status::text, r.message_id, r.failure_reason, r.claims, r.resends, (o.email IS NOT NULL) AS opted_out
       FROM campaign_recipients r LEFT JOIN email_opt_outs o ON o.email = r.email
      WHERE r.campaign_id = ANY($1::uuid[])`,
    [campaignIds],
  );
  const ours = new Set(campaignIds);
  const copies = new Map<string, SinkMessage[]>();
  for (const m of sink.accepted) {
    const campaign = m.xHeaders["x-campaign-id"];
    if (!campaign || !ours.has(campaign)) continue;
    const key = `${campaign}/${m.xHeaders["x-campaign-recipient"] ?? "?"}`;
    const list = copies.get(key) ?? [];
    list.push(m);
    copies.set(key, list);
  }
  let terminal = 0;
  let sent = 0;
  let failed = 0;
  let skipped = 0;
  let duplicates = 0;
  let sameMsg = 0;
  let forgiven = 0;
  let resent = 0;
  let reclaimed = 0;
  let emailedNotSent = 0;
  let sentNoEmail = 0;
  let wrongMessageId = 0;
  const unexpectedFailures: string[] = [];
  const skippedByBug: string[] = [];
  const reasons = new Map<string, number>();
  const known = new Set<string>();
  for (const r of rows) {
    const key = `${r.campaign_id}/${r.id}`;
    known.add(key);
    const got = copies.get(key) ?? [];
    if (r.status === "sent" || r.status === "failed" || r.status === "skipped") terminal += 1;
    if (r.status === "sent") sent += 1;
    if (r.resends > 0) resent += 1;
    if (r.claims > 1) reclaimed += 1;
    if (got.length > 0 && r.status !== "sent") emailedNotSent += 1;
    if (got.length === 0 && r.status === "sent") sentNoEmail += 1;
    if (r.status === "sent" && got.some((m) => !m.messageId || m.messageId !== r.message_id)) wrongMessageId += 1;
    if (r.status === "failed") {
      failed += 1;
      reasons.set(r.failure_reason ?? "(none)", (reasons.get(r.failure_reason ?? "(none)") ?? 0) + 1);
      if (!expectedFailures.get(r.id)?.test(r.failure_reason ?? "")) unexpectedFailures.push(`recipient ${r.id}: ${r.failure_reason ?? "(no reason)"}`);
    }
    if (r.status === "skipped") {
      skipped += 1;
      if (!r.opted_out) skippedByBug.push(`recipient ${r.id}: ${r.failure_reason ?? "(no reason)"}`);
    }
    if (got.length < 2) continue;
    sameMsg += got.slice(1).filter((m) => m.messageId === got[0]!.messageId).length;
    let ledgerCredit = r.resends;
    const dropped = new Map<string | null, number>();
    for (const [i, m] of got.entries()) {
      if (i > 0) {
        const left = dropped.get(m.messageId) ?? 0;
        if (left > 0) {
          dropped.set(m.messageId, left - 1);
          forgiven += 1;
        } else if (m.messageId !== null && m.messageId === r.message_id && ledgerCredit > 0) {
          ledgerCredit -= 1;
          forgiven += 1;
        } else duplicates += 1;
      }
      if (m.brokenReply) dropped.set(m.messageId, (dropped.get(m.messageId) ?? 0) + 1);
    }
  }
  // A message for a recipient the ledger doesn't have is a copy nothing explains.
  let strays = 0;
  for (const [key, list] of copies) if (!known.has(key)) strays += list.length;
  duplicates += strays;
  const missingFailures = [...expectedFailures.keys()].filter((id) => rows.find((r) => r.id === id)?.status !== "failed");
  return {
    unit: "recipients",
    toFinish: rows.length,
    terminal,
    sent,
    failed,
    other: skipped,
    otherLabel: "skipped",
    duplicates,
    sameMsg,
    forgiven,
    forgivenBy: "copies with the Message-ID of a ledger resend",
    ambiguousResends: resent,
    reclaimed,
    topReasons: [...reasons]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([reason, n]) => ({ reason, n })),
    emailedNotSent,
    sentNoEmail,
    wrongMessageId,
    expectedFailures: expectedFailures.size,
    unexpectedFailures,
    missingFailures,
    checks: [
      {
        what: skippedByBug.length
          ? `recipients skipped without having opted out: ${skippedByBug.length} (e.g. ${skippedByBug[0]})`
          : `skipped only where the address opted out (${skipped} skipped)`,
        ok: skippedByBug.length === 0,
        hard: true,
      },
      ...(strays ? [{ what: `messages naming a recipient the ledger doesn't have: ${strays}`, ok: false, hard: true }] : []),
    ],
  };
}

/** Counts everything once the scenario has settled (reports, or the tally it brought). */
export async function evaluate(ctx: ChaosContext, name: string, title: string, startedAt: number, outcome: ScenarioOutcome): Promise<ScenarioResult> {
  // The scenario has settled (ctx.settle) and stopped its stack: no more changes come.
  const t = outcome.tally ?? (await tallyReports(ctx, outcome));
  const unit = t.unit === "reports" ? "report" : "recipient";
  const acceptedStatus = outcome.acceptedStatus ?? "202";
  const accepted = outcome.answers[acceptedStatus] ?? 0;
  const answered = Object.values(outcome.answers).reduce((a, b) => a + b, 0);
  const unexplainedAnswers = Object.entries(outcome.answers).filter(([status]) => status !== acceptedStatus && !outcome.refusals?.[status]);
  const webCrashes = (outcome.crashes ?? []).filter((c) => c.startsWith("web "));
  const late = (await outcome.afterSettle?.()) ?? [];
  const fmtAnswers = (list: [string, number][]) => list.map(([c, n]) => `${c === "0" ? "no answer" : c}×${n}`).join(", ");
  // What every scenario must show, whatever it breaks.
  const evidence: Check[] = [
    { what: `every request answered and counted (${answered}/${outcome.submitted})`, ok: answered === outcome.submitted, hard: true },
    { what: `requests accepted (${accepted} × ${acceptedStatus}, ${t.toFinish} ${t.unit} to follow)`, ok: accepted > 0 && t.toFinish > 0, hard: true },
    {
      what: unexplainedAnswers.length
        ? `non-${acceptedStatus} answers the scenario did not cause: ${fmtAnswers(unexplainedAnswers)}`
        : `every non-${acceptedStatus} answer explained${
            outcome.refusals
              ? ` (${Object.entries(outcome.refusals)
                  .map(([c, why]) => `${c}: ${why}`)
                  .join("; ")})`
              : " (there were none)"
          }`,
      ok: unexplainedAnswers.length === 0,
      hard: true,
    },
    { what: `every 'sent' ${unit}'s email reached the sink (${t.sentNoEmail} without)`, ok: t.sentNoEmail === 0, hard: true },
    { what: `every email at the sink carries its ${unit}'s Message-ID (${t.wrongMessageId} ${t.unit} with another)`, ok: t.wrongMessageId === 0, hard: true },
    { what: `no email for a ${unit} that is not 'sent' (${t.emailedNotSent})`, ok: t.emailedNotSent === 0, hard: true },
    {
      what: t.unexpectedFailures.length
        ? `${t.unit} failed that the scenario did not fail on purpose: ${t.unexpectedFailures.length} (e.g. ${t.unexpectedFailures[0]})`
        : `failed only where the scenario injected a permanent failure (${t.expectedFailures} expected)`,
      ok: t.unexpectedFailures.length === 0 && t.missingFailures.length === 0,
      hard: true,
    },
    ...t.checks,
    { what: `the web process stayed up${webCrashes.length ? ` (${webCrashes.length} crash)` : ""}`, ok: webCrashes.length === 0, hard: true },
  ];
  return {
    name,
    title,
    durationMs: Date.now() - startedAt,
    unit: t.unit,
    acceptedStatus,
    submitted: outcome.submitted,
    accepted,
    answers: outcome.answers,
    terminal: t.terminal,
    sent: t.sent,
    other: t.other,
    otherLabel: t.otherLabel,
    lost: t.toFinish - t.terminal,
    duplicates: t.duplicates,
    duplicatesSameMessageId: t.sameMsg,
    forgivenCopies: t.forgiven,
    forgivenBy: t.forgivenBy,
    ambiguousResends: t.ambiguousResends,
    reclaimed: t.reclaimed,
    failed: t.failed,
    topReasons: t.topReasons,
    emailedNotSent: t.emailedNotSent,
    sentNoEmail: t.sentNoEmail,
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
    notes: [...outcome.notes, ...(outcome.crashes ?? []).map((c) => `crash: ${c}`), ...t.missingFailures.map((id) => `expected to fail, did not: ${id}`)],
  };
}

export function failedResult(name: string, title: string, startedAt: number, err: unknown): ScenarioResult {
  return {
    ...nothingCounted(name, title, startedAt),
    checks: [{ what: "scenario ran to the end", ok: false, hard: true }],
    error: (err as Error)?.stack ?? String(err),
  };
}

export function skippedResult(name: string, title: string, startedAt: number, why: string): ScenarioResult {
  return { ...nothingCounted(name, title, startedAt), skipped: why };
}

function nothingCounted(name: string, title: string, startedAt: number): ScenarioResult {
  return {
    name,
    title,
    durationMs: Date.now() - startedAt,
    unit: "reports",
    acceptedStatus: "202",
    submitted: 0,
    accepted: 0,
    answers: {},
    terminal: 0,
    sent: 0,
    other: 0,
    otherLabel: "cancelled",
    lost: 0,
    duplicates: 0,
    duplicatesSameMessageId: 0,
    forgivenCopies: 0,
    forgivenBy: "copies after a reply the sink dropped",
    ambiguousResends: 0,
    reclaimed: 0,
    failed: 0,
    topReasons: [],
    emailedNotSent: 0,
    sentNoEmail: 0,
    recovery: "n/a",
    checks: [],
    notes: [],
  };
}

/** "PASS", "FAIL" or "SKIP". */
export const verdictOf = (r: ScenarioResult) => (r.skipped ? "SKIP" : passed(r) ? "PASS" : "FAIL");

export function passed(r: ScenarioResult): boolean {
  if (r.skipped) return true;
  return !r.error && r.lost === 0 && r.duplicates === 0 && r.checks.every((c) => c.ok || !c.hard);
}

const short = (s: string, n = 90) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function renderScenario(r: ScenarioResult): string {
  if (r.skipped) return `SKIP  ${r.name} — ${r.title}\n  · ${r.skipped}`;
  const answers = Object.entries(r.answers)
    .sort()
    .map(([code, n]) => `${code === "0" ? "no answer" : code}: ${n}`)
    .join(", ");
  const rows: string[][] = [
    ["submitted", String(r.submitted)],
    [`accepted (${r.acceptedStatus})`, String(r.accepted)],
    ["web answers", answers || "-"],
    [`${r.unit} to finish`, String(r.terminal + r.lost)],
    ["terminal", `${r.terminal} (sent ${r.sent}, failed ${r.failed}, ${r.otherLabel} ${r.other})`],
    ["LOST (never terminal)", String(r.lost)],
    ["DUPLICATE emails (unexplained)", String(r.duplicates)],
    ["extra copies with the same Message-ID", String(r.duplicatesSameMessageId)],
    [r.forgivenBy, String(r.forgivenCopies)],
    ...(r.unit === "reports"
      ? [
          ["ambiguous-window resends (product log)", String(r.ambiguousResends)],
          ["deliveries claimed > 1 time", String(r.reclaimed)],
        ]
      : [
          ["ambiguous-window resends (ledger)", String(r.ambiguousResends)],
          ["recipients claimed > 1 time", String(r.reclaimed)],
        ]),
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
      verdictOf(r),
    ]),
  );
}
