// What every benchmark checks before it makes anything: the production builds
// are there (a bench measures them, never dev mode), and Postgres — and the
// shared Redis, for the benches that use it — answer. A problem is one line and
// exit code 1. The services' addresses are DATABASE_URL and REDIS_URL, else the
// local defaults; each bench makes its own scratch database from the first.
import { checkDatabase } from "@backline/db";
import { checkRedis } from "@backline/queue";
import { missingBuilds } from "@backline/test-kit";

export const baseDatabaseUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Exits with one line unless the builds (and `builds`, files under the repository) exist and the services answer. */
export async function preflight(options: { builds?: string[]; redis: boolean }): Promise<void> {
  const missing = missingBuilds(options.builds);
  if (missing.length > 0) stop(`The production builds are missing or out of date (${missing.join(", ")}): run \`npm run build\` first.`);
  const problems = (await Promise.all([checkDatabase(baseDatabaseUrl), options.redis ? checkRedis(redisUrl) : null])).filter(Boolean);
  if (problems.length > 0) stop(problems.join("\n"));
}

function stop(line: string): never {
  console.error(line);
  process.exit(1);
}
