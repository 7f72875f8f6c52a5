import { HttpsError } from 'firebase-functions/https';
import { logger } from 'firebase-functions/logger';
import { SessionConflictError } from '../accept/SessionConflictError';
import { isUnavailable } from '../db/errors';
import { ConfigError } from '../config';

/**
 * The one place errors become what apps see (DESIGN §6): no stack traces or SQL leave the server,
 * infrastructure trouble is `unavailable` (retryable), and only bugs are `internal`.
 */
export function toHttpsError(error: unknown, context: { fn: string; uid?: string; sessionId?: string }): HttpsError {
  if (error instanceof HttpsError) return error;
  if (error instanceof SessionConflictError) {
    logger.warn('session rejected: conflicting duplicate', { ...context, code: error.code });
    return new HttpsError('already-exists', 'A different session with this sessionId already exists.', { sessionId: error.sessionId });
  }
  if (isUnavailable(error) || error instanceof ConfigError) {
    logger.error('database unavailable', { ...context, error: describe(error) });
    return new HttpsError('unavailable', 'The service is temporarily unavailable; please retry.');
  }
  logger.error('unexpected error', { ...context, error: describe(error), stack: (error as Error)?.stack });
  return new HttpsError('internal', 'Internal error.');
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string; cause?: { message?: string } };
  return [e?.name, e?.code, e?.message, e?.cause?.message].filter(Boolean).join(': ');
}
