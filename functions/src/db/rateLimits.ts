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
