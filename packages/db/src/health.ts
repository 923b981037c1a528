import { redactUrl } from "@backline/config";
import pg from "pg";

/**
 * Start-up check: can we reach Postgres at this URL? Resolves to null when
 * reachable, or to one line naming the setting and what went wrong.
 */
export async function checkDatabase(url: string, timeoutMs = 3000): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (err) {
    return `Cannot reach PostgreSQL at DATABASE_URL=${redactUrl(url)}: ${(err as Error).message || String(err)}`;
  } finally {
    await client.end().catch(() => {});
  }
}
