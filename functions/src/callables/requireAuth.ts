import { HttpsError, type CallableRequest } from 'firebase-functions/https';
import { appCheckEnforced } from '../config';
import { isUsableUserId } from '../contract/userId';
import { logs } from './logs';

/**
 * The caller's uid: always from the verified ID token, never from the request body. A uid that
 * cannot name one document (a custom token may carry "a/b") is refused as permission-denied before
 * anything reads or writes for it. App Check is enforced unless turned off (appCheckEnforced: on by
 * default, off in the emulator and demo- projects): a request without a verified App Check token is
 * refused. The check lives here rather than in the trigger options because onCall reads that option
 * once, when index.js loads; here it is read at call time.
 */
export function requireAuth(request: CallableRequest<unknown>, fn: string): string {
  const uid = request.auth?.uid;
  if (!uid) throw new HttpsError('unauthenticated', 'Sign in to call this function.');
  if (!isUsableUserId(uid)) {
    logs.uidRefused({ fn, uidLength: uid.length });
    throw new HttpsError('permission-denied', 'This account id cannot be used here.', { reason: 'unusable_uid' });
  }
  if (appCheckEnforced() && !request.app) {
    logs.appCheckMissing({ fn, uid });
    throw new HttpsError('unauthenticated', 'Unauthenticated');
  }
  return uid;
}
