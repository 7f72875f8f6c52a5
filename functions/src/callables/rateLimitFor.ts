import type { Config } from '../config';
import type { RateLimit } from '../db/acceptQueries';

/** The per-user bucket of a mutating callable: each callable its own bucket, sized by its params. */
export function rateLimitFor(config: Config, fn: string): RateLimit {
  const { accept, friends, other } = config.rateLimits;
  const size = fn === 'acceptFocusSession' ? accept : fn === 'addFriend' || fn === 'removeFriend' ? friends : other;
  return { action: fn, perMinute: size.perMinute, burst: size.burst };
}
