import { HttpsError, type CallableRequest } from 'firebase-functions/https';

/** The caller's uid: always from the verified ID token, never from the request body. */
export function requireAuth(request: CallableRequest<unknown>): string {
  const uid = request.auth?.uid;
  if (!uid) throw new HttpsError('unauthenticated', 'Sign in to call this function.');
  return uid;
}
