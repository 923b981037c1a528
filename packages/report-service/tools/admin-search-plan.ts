// The admin console's queries against a big table: fills a scratch database
// with N reports (default 1,000,000; generate_series, a few seconds per 100,000)
// and their users, schedules with runs, campaigns with recipients and an audit
// log; ANALYZEs; then prints each query's EXPLAIN (ANALYZE, BUFFERS) and its
// time. The test (test/admin-search-plan.int.test.ts) runs the same on 50,000
// rows and checks every plan reads reports through an index.
//
//   npx tsx packages/report-service/tools/admin-search-plan.ts [reports]
import { createPrismaClient, Prisma, type PrismaClient } from "@backline/db";
import { reportTypeIds } from "@backline/reports";
import { createScratchDatabase } from "@backline/test-kit";
import { ADMIN_QUERIES } from "../src/admin-console.ts";

export interface PlanSubjects {
  reportId: string;
  address: string;
  campaignId: string;
  scheduleId: string;
}

/** Fills an empty (migrated) database: `reports` reports over 180 days, 1 % of that in users, 5 % of reports scheduled, 20 % in campaign recipients. */
export async function fillForPlans(db: PrismaClient, reports: number): Promise<PlanSubjects> {
  const users = Math.max(10, Math.floor(reports / 100));
  const schedules = Math.max(5, Math.floor(reports / 1000));
  const campaigns = 20;
  const recipients = Math.floor(reports / 5);
  const types = Prisma.raw(`array[${reportTypeIds.map((t) => `'${t}'`).join(",")}]`);
  await db.$executeRaw`insert into users (id, email, email_verified, created_at, updated_at)
    select gen_random_uuid(), 'user' || g || '@example.com', true, now() - interval '200 days', now() from generate_series(0, ${users - 1}::int) g`;
  await db.$executeRaw`create temporary table numbered_users as select id, email, (row_number() over (order by email) - 1)::int as n from users`;
  await db.$executeRaw`insert into schedules (id, user_id, type, params, cron, time_zone, next_occurrence, next_run_at, updated_at)
    select gen_random_uuid(), u.id, 'sales-summary', '{}', '0 8 * * 1', 'UTC', null, null, now()
    from generate_series(0, ${schedules - 1}::int) g join numbered_users u on u.n = g % ${users}::int`;
  await db.$executeRaw`create temporary table numbered_schedules as select id, (row_number() over (order by id) - 1)::int as n from schedules`;
  // Ids are UUIDv7-shaped (the creation time in the first 48 bits), so id order is time order as in production.
  // Statuses: 4 % failed (five reasons), 1 % cancelled, 1 in 5,000 queued and 1 in 5,000 generating, the rest sent.
  await db.$executeRaw`
    insert into reports (id, type, params, user_id, owner_email, status, failure_reason, attempts, created_at, updated_at, started_at, finished_at, schedule_id, occurrence)
    select (lpad(to_hex((extract(epoch from t.created) * 1000)::bigint), 12, '0') || '7' || substr(t.h, 1, 3) || '8' || substr(t.h, 4, 15))::uuid,
      (${types})[1 + g % ${reportTypeIds.length}::int], '{}', u.id, u.email, t.status::"ReportStatus",
      case when t.status = 'failed' then (array['SMTP server refused the address (550)', 'Report data missing', 'Mail server unreachable after 3 attempts',
        'The PDF is larger than the mail limit', 'Invalid parameters'])[1 + (g / 100) % 5] end,
      case when t.status = 'queued' then 0 else 1 end, t.created, t.created + interval '3 seconds',
      case when t.status in ('queued', 'cancelled') then null else t.created + interval '1 second' end,
      case when t.status in ('queued', 'generating') then null else t.created + (2 + g % 40) * interval '1 second' end,
      case when g % 20 = 7 then s.id end, case when g % 20 = 7 then date_trunc('second', t.created)::timestamp end
    from generate_series(0, ${reports - 1}::int) g
    cross join lateral (select now() - (${reports}::int - g) * (interval '180 days' / ${reports}::int) as created, md5(g::text) as h,
      case when g % 5000 = 11 then 'queued' when g % 5000 = 12 then 'generating' when g % 100 < 4 then 'failed' when g % 100 = 4 then 'cancelled' else 'sent' end as status) t
    join numbered_users u on u.n = g % ${users}::int
    left join numbered_schedules s on s.n = (g / 20) % ${schedules}::int`;
  await db.$executeRaw`insert into schedule_runs (schedule_id, occurrence, due_at, report_id)
    select schedule_id, occurrence, created_at, id from reports where schedule_id is not null`;
  await db.$executeRaw`insert into campaigns (id, created_by, type, params, audience, status, total, start_at, updated_at)
    select gen_random_uuid(), u.id, 'customer-statement', '{}', '{"kind":"all-customers"}', 'completed', ${Math.ceil(recipients / campaigns)}::int, now(), now()
    from generate_series(0, ${campaigns - 1}::int) g join numbered_users u on u.n = g`;
  await db.$executeRaw`insert into campaign_recipients (campaign_id, customer_id, email, status, sent_at)
    select c.id, g, 'user' || (g * 7 % ${users}::int) || '@example.com', 'sent', now() - g * interval '1 second'
    from generate_series(0, ${recipients - 1}::int) g join (select id, (row_number() over (order by id) - 1)::int as n from campaigns) c on c.n = g % ${campaigns}::int`;
  await db.$executeRaw`insert into audit_log (at, actor, action, target)
    select now() - g * interval '1 minute', case when g % 3 = 0 then 'reconciler' else 'admin@example.com' end,
      case when g % 3 = 0 then 'reconciler.requeue' else 'report.retry' end, gen_random_uuid()::text from generate_series(0, 9999) g`;
  await db.$executeRawUnsafe("analyze");
  const [subject] = await db.$queryRaw<PlanSubjects[]>`
    select (select id::text from reports order by id offset ${Math.floor(reports / 2)}::int limit 1) as "reportId",
      'user42@example.com' as address,
      (select id::text from campaigns order by id limit 1) as "campaignId",
      (select id::text from schedules order by id limit 1) as "scheduleId"`;
  return subject!;
}

/** Every query the console runs, as it runs them for these subjects. */
export function consoleQueries(s: PlanSubjects, now = new Date()): { name: string; sql: Prisma.Sql }[] {
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
  return [
    { name: "search: report by id", sql: ADMIN_QUERIES.reportById(s.reportId) },
    { name: "search: reports by address", sql: ADMIN_QUERIES.reportsByAddress(s.address) },
    { name: "search: campaign emails by address", sql: ADMIN_QUERIES.recipientsByAddress(s.address) },
    { name: "search: campaign by id", sql: ADMIN_QUERIES.campaignById(s.campaignId) },
    { name: "search: a campaign's recipients", sql: ADMIN_QUERIES.recipientsByCampaign(s.campaignId) },
    { name: "search: schedule by id", sql: ADMIN_QUERIES.scheduleById(s.scheduleId) },
    { name: "search: a schedule's runs", sql: ADMIN_QUERIES.runsBySchedule(s.scheduleId) },
    { name: "failures by reason, 1 h", sql: ADMIN_QUERIES.failuresByReason(hoursAgo(1)) },
    { name: "failures by reason, 24 h", sql: ADMIN_QUERIES.failuresByReason(hoursAgo(24)) },
    { name: "failures by reason, 7 d", sql: ADMIN_QUERIES.failuresByReason(hoursAgo(168)) },
    { name: "failure examples by id", sql: ADMIN_QUERIES.reportsByIds([s.reportId]) },
    { name: "stuck: p99 duration per type", sql: ADMIN_QUERIES.durationsByType() },
    { name: "stuck: in flight before the grace", sql: ADMIN_QUERIES.inFlightBefore(new Date(now.getTime() - 5000)) },
    { name: "stuck: generating", sql: ADMIN_QUERIES.generating() },
    { name: "reconciler's last actions", sql: ADMIN_QUERIES.reconcilerActions() },
    { name: "audit log of admins' actions", sql: ADMIN_QUERIES.adminActions(null) },
  ];
}

/** The plan as text (EXPLAIN's own lines); with `analyze`, run for real with buffer counts and timings. */
export async function explain(db: PrismaClient, sql: Prisma.Sql, analyze: boolean): Promise<string> {
  const rows = await db.$queryRaw<{ "QUERY PLAN": string }[]>`${Prisma.raw(analyze ? "explain (analyze, buffers) " : "explain ")}${sql}`;
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

async function main() {
  const reports = Number(process.argv[2] ?? 1_000_000);
  const scratch = await createScratchDatabase();
  const db = createPrismaClient(scratch.url);
  try {
    let started = performance.now();
    const subjects = await fillForPlans(db, reports);
    console.log(
      `Filled ${reports.toLocaleString("en-US")} reports (and their users, schedules, runs, campaign recipients, audit log) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    for (const { name, sql } of consoleQueries(subjects)) {
      await explain(db, sql, true); // once to warm the cache, as a console in use is
      started = performance.now();
      const plan = await explain(db, sql, true);
      console.log(`── ${name} (${(performance.now() - started).toFixed(1)} ms round trip)\n${plan}\n`);
    }
  } finally {
    await db.$disconnect();
    await scratch.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
