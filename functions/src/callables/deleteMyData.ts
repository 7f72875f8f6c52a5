import { HttpsError, type CallableRequest } from 'firebase-functions/https';
import { deleteMyDataRequestSchema, type DeleteMyDataResponse } from '../contract/callables';
import { isTransient } from '../bridge/isTransient';
import { isUnavailable } from '../db/errors';
import { accountDocuments, getRuntime } from '../runtime';
import { logs, type CallContext } from './logs';
import { limitedCall } from './limitedCall';
import { parseRequest } from './parseRequest';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';
import { inRequestTrace } from './inRequestTrace';

/**
 * deleteMyData({confirm: true}): every SQL row about the caller in one transaction, then their legacy
 * Firestore sessions and users/{uid} documents, and streaks/{uid} becomes an id-only tombstone.
 * Idempotent: a retry after any failure finishes the job (a second call answers zeros).
 */
export function handleDeleteMyData(request: CallableRequest<unknown>): Promise<DeleteMyDataResponse> {
  return inRequestTrace(request, () => untraced(request));
}

async function untraced(request: CallableRequest<unknown>): Promise<DeleteMyDataResponse> {
  const uid = requireAuth(request, 'deleteMyData');
  const context: CallContext & { uid: string } = { fn: 'deleteMyData', uid };
  parseRequest(deleteMyDataRequestSchema, request, context);
  try {
    const runtime = await getRuntime();
    return await limitedCall(runtime, context, async () => {
      const { deleteAccount } = await import('../account/deleteAccount');
      const result = await deleteAccount(uid, { db: runtime.db.pool, documents: await accountDocuments(runtime), now: runtime.now, by: 'deleteMyData' });
      return { deleted: result.deleted };
    });
  } catch (error) {
    if (!(error instanceof HttpsError) && !isUnavailable(error) && isTransient(error)) {
      // SQL may already be deleted; the documents wait for the retry, which is safe (idempotent).
      logs.firestoreUnavailable(context, (error as Error)?.message ?? String(error));
      throw new HttpsError('unavailable', 'The service is temporarily unavailable; please retry.');
    }
    throw toHttpsError(error, context);
  }
}
