import type { Runtime } from '../runtime';
import type { CallContext } from './logs';
import { rateLimitFor } from '../config';

/**
 * Every callable but acceptFocusSession runs its work through here, after auth and validation and
 * before it touches anything: the one place for per-user checks. The per-user rate limit takes a
 * token of the callable's bucket first (one statement; mutations and reads have their own sizes,
 * rateLimitFor; acceptFocusSession takes its token inside its one statement instead, so its write
 * path keeps one round trip). Refused: RateLimitedError, and the work never runs.
 */
export async function limitedCall<T>(runtime: Runtime, context: CallContext & { uid: string }, work: () => Promise<T>): Promise<T> {
  const { takeRateToken } = await import('../db/rateLimits');
  await takeRateToken(runtime.db.pool, context.uid, rateLimitFor(runtime.config, context.fn));
  return work();
}
