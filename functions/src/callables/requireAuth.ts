import { HttpsError, type CallableRequest } from 'firebase-functions/https';
import { params } from '../config';
import { logs } from './logs';

/**
 * The caller's uid: always from the verified ID token, never from the request body. When
 * ENFORCE_APP_CHECK is on, a request without a verified App Check token is refused too. The
 * check lives here rather than in the trigger options because onCall reads that option once,
 * when index.js loads (which warns at every emulator start); a param read in the handler is read
 * at run time, as params are meant to be. `.value()` of a boolean param is false when unset, which
 * is also this one's default.
 */
export function requireAuth(request: CallableRequest<unknown>, fn: string): string {
  const uid = request.auth?.uid;
  if (!uid) throw new HttpsError('unauthenticated', 'Sign in to call this function.');
  if (params.enforceAppCheck.value() && !request.app) {
    logs.appCheckMissing({ fn, uid });
    throw new HttpsError('unauthenticated', 'Unauthenticated');
  }
  return uid;
}
