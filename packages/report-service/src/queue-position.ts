// "3rd in line, about 40 s": where a queued report stands and, when it can be
// said honestly, how long until it is done.
import type { PrismaClient } from "@backline/db";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";

export interface QueuePosition {
  /** 1 = next to be picked up. */
  position: number;
  /** Seconds until the report should be finished, or null when we can't know. */
  etaSeconds: number | null;
}

/**
 * Jobs ahead = jobs in BullMQ's plain wait list (priority 0 runs first) plus
 * the prioritized jobs ranked before this one (lower priority number first,
 * then first come). Reads BullMQ's key layout directly because BullMQ has no
 * "rank of job" query and listing the whole queue would be O(n).
 */
export async function queuePosition(queue: Queue, redis: Redis, reportId: string): Promise<number | null> {
  const [rank, waiting] = await Promise.all([redis.zrank(queue.toKey("prioritized"), reportId), redis.llen(queue.toKey("wait"))]);
  if (rank === null) return null;
  return waiting + rank + 1;
}

/**
 * ETA = (jobs ahead ÷ reports being built right now + 1) × the recent average
 * duration of this report type. No history or no worker busy ⇒ no ETA.
 */
export async function estimateQueued(
  deps: { db: PrismaClient; queue: Queue; redis: Redis },
  report: { id: string; type: string },
): Promise<QueuePosition | null> {
  const { db, queue, redis } = deps;
  const position = await queuePosition(queue, redis, report.id);
  if (position === null) return null;
  const [average, active] = await Promise.all([averageDurationSeconds(db, report.type), queue.getActiveCount()]);
  const etaSeconds = average === null || (active === 0 && position > 1) ? null : Math.round(((position - 1) / Math.max(active, 1) + 1) * average);
  return { position, etaSeconds };
}

/** Mean build-and-send time of the last 20 sent reports of a type, in seconds. */
export async function averageDurationSeconds(db: PrismaClient, type: string): Promise<number | null> {
  const rows = await db.$queryRaw<{ seconds: number | null; n: bigint }[]>`
    select avg(extract(epoch from finished_at - started_at))::float8 as seconds, count(*) as n
    from (select started_at, finished_at from reports
          where type = ${type} and status = 'sent' and started_at is not null and finished_at is not null
          order by finished_at desc limit 20) recent`;
  const row = rows[0];
  return row && row.n > 0n && row.seconds !== null ? row.seconds : null;
}
