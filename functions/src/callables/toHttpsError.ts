import { HttpsError } from 'firebase-functions/https';
import { SessionConflictError } from '../accept/SessionConflictError';
import { UnknownTimeZoneError } from '../accept/UnknownTimeZoneError';
import { ConfigError } from '../config';
import { AccountDeletedError } from '../db/AccountDeletedError';
import { isUnavailable } from '../db/errors';
import { FriendCapError } from '../db/FriendCapError';
import { FriendDeletedError } from '../db/FriendDeletedError';
import { RateLimitedError } from '../db/RateLimitedError';
import { AuthNotConfiguredError, AuthUnavailableError } from '../firebase/auth';
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
  if (error instanceof UnknownTimeZoneError) {
    // The runtime knows the zone but PostgreSQL does not: as invalid as a zone nobody knows.
    const issues = [{ field: 'timezone', code: 'invalid_timezone', message: 'timezone must be an IANA time zone name such as Europe/Paris' }];
    logs.sessionRejected(context, issues);
    return new HttpsError('invalid-argument', 'The focus session is invalid; see details.issues.', { issues });
  }
  if (error instanceof AccountDeletedError) {
    // The ID token may stay valid for an hour after the account's deletion: it writes nothing.
    logs.accountDeleted(context);
    return new HttpsError('permission-denied', 'This account was deleted; nothing is stored for it.', { reason: 'account_deleted' });
  }
  if (error instanceof FriendDeletedError) {
    logs.friendUnknown(context, error.friendId);
    return new HttpsError('not-found', 'No user with this friendId.', { friendId: error.friendId });
  }
  if (error instanceof RateLimitedError) {
    logs.rateLimited(context, error.retryAfterSeconds);
    return new HttpsError('resource-exhausted', `Too many calls; retry in ${error.retryAfterSeconds} s.`, { retryAfterSeconds: error.retryAfterSeconds });
  }
  if (error instanceof FriendCapError) {
    logs.friendCapReached(context, context.friendId ?? '', error.cap, error.limit);
    return new HttpsError('resource-exhausted', capMessage(error), { cap: error.cap, limit: error.limit });
  }
  if (error instanceof AuthNotConfiguredError || error instanceof AuthUnavailableError) {
    logs.userLookupUnavailable(context, describe(error));
    return new HttpsError('unavailable', 'The service is temporarily unavailable; please retry.');
  }
  if (isUnavailable(error) || error instanceof ConfigError) {
    logs.databaseUnavailable(context, describe(error));
    return new HttpsError('unavailable', 'The service is temporarily unavailable; please retry.');
  }
  logs.unexpectedError(context, describe(error), (error as Error)?.stack);
  return new HttpsError('internal', 'Internal error.');
}

function capMessage(error: FriendCapError): string {
  if (error.cap === 'pending_requests') return `You have ${error.limit} pending friend requests, the most allowed; cancel one first.`;
  if (error.cap === 'friend_friends') return `That user has ${error.limit} friends, the most allowed.`;
  return `You have ${error.limit} friends, the most allowed; remove one first.`;
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string; cause?: { message?: string } };
  return [e?.name, e?.code, e?.message, e?.cause?.message].filter(Boolean).join(': ');
}
