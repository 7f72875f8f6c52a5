import type { CallableRequest } from 'firebase-functions/https';
import { getMyStreakRequestSchema, type GetMyStreakResponse } from '../contract/callables';
import { getRuntime } from '../runtime';
import { limitedCall } from './limitedCall';
import type { CallContext } from './logs';
import { parseRequest } from './parseRequest';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';
import { inRequestTrace } from './inRequestTrace';

/** getMyStreak: the caller's streak from SQL, with `active` as of now in the caller's zone. */
export function handleGetMyStreak(request: CallableRequest<unknown>): Promise<GetMyStreakResponse> {
  return inRequestTrace(request, () => untraced(request));
}

async function untraced(request: CallableRequest<unknown>): Promise<GetMyStreakResponse> {
  const uid = requireAuth(request, 'getMyStreak');
  const context: CallContext & { uid: string } = { fn: 'getMyStreak', uid };
  parseRequest(getMyStreakRequestSchema, request, context);
  try {
    const [runtime, { readStreakNow }, { toStreak }] = await Promise.all([getRuntime(), import('../db/userStreaks'), import('../accept/toStreak')]);
    return toStreak(uid, await limitedCall(runtime, context, () => readStreakNow(runtime.db.pool, uid, runtime.config.freezeCap)), runtime.now());
  } catch (error) {
    throw toHttpsError(error, context);
  }
}
