import { HttpsError } from 'firebase-functions/https';
import { SessionConflictError } from '../accept/SessionConflictError';
import { ConfigError } from '../config';
import { isUnavailable } from '../db/errors';
import { logs, type CallContext } from './logs';

/**
 * The one place errors become what apps see: no stack traces or SQL leave the server,
 * infrastructure trouble is `unavailable` (retryable), and only bugs are `internal`.
 */
export function toHttpsError(error: unknown, context: CallContext): HttpsError {
  if (error instanceof HttpsError) return error;
  if (error instanceof SessionConflictError) {
    logs.sessionConflict(context, error.code);
    return new HttpsError('already-exists', 'A different session with this sessionId already exists.', { sessionId: error.sessionId });
  }
  if (isUnavailable(error) || error instanceof ConfigError) {
    logs.databaseUnavailable(context, describe(error));
    return new HttpsError('unavailable', 'The service is temporarily unavailable; please retry.');
  }
  logs.unexpectedError(context, describe(error), (error as Error)?.stack);
  return new HttpsError('internal', 'Internal error.');
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string; cause?: { message?: string } };
  return [e?.name, e?.code, e?.message, e?.cause?.message].filter(Boolean).join(': ');
}
