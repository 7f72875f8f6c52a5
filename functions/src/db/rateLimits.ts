import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { RateLimit } from './acceptStatement';
import { RateLimitedError } from './RateLimitedError';

/**
 * Takes one token of the user's `limit.action` bucket (rate_limit_take, sql/functions), or throws
 * RateLimitedError. One statement; the accept takes its token inside its read instead.
 */
export async function takeRateToken(db: CommonQueryMethods, userId: string, limit: RateLimit): Promise<void> {
  const wait = await db.oneFirst(sql.type(z.object({ wait: z.number().int() }))`
    select rate_limit_take(${userId}, ${limit.action}, ${limit.perMinute}::float8, ${limit.burst}::float8) as wait`);
  if (wait > 0) throw new RateLimitedError(limit.action, wait);
}

/** A bucket idle this long is full again for any sane size (the defaults refill within 2 minutes): deleting it forgets nothing. */
export const IDLE_BUCKET_HOURS = 24;

/**
 * Deletes buckets nobody took a token from for `idleHours` (rate_limits is kept out of a user's
 * deletion, or deleteMyData would refill every bucket of the caller). One statement: the table is
 * unlogged and the rows it deletes are not in use.
 */
export async function pruneIdleRateLimits(db: CommonQueryMethods, idleHours = IDLE_BUCKET_HOURS): Promise<number> {
  return db.oneFirst(sql.type(z.object({ n: z.number() }))`
    with gone as (delete from rate_limits where refilled_at < now() - ${idleHours}::int * interval '1 hour' returning 1)
    select count(*)::int as n from gone`);
}
