export interface BackoffOptions {
  /** Delay after the first failed attempt. */
  baseMs: number;
  /** Ceiling, so a long outage still retries a few times an hour. */
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 15_000, maxMs: 60 * 60_000 };

/** Exponential delay before the next attempt of a row that has failed `attempts` times (≥ 1). */
export function backoffDelayMs(attempts: number, options: BackoffOptions = defaultBackoff): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(options.maxMs, options.baseMs * 2 ** exponent);
}
