// Apart from db/rateLimits.ts so the callables' error mapping can name it without loading slonik at cold start.

/** The caller's bucket for this callable is empty; nothing was done. */
export class RateLimitedError extends Error {
  readonly code = 'rate/limited';
  constructor(
    readonly action: string,
    /** Whole seconds until a token is there again (at least 1). */
    readonly retryAfterSeconds: number,
  ) {
    super(`rate limit of ${action} reached; retry in ${retryAfterSeconds} s`);
    this.name = 'RateLimitedError';
  }
}
