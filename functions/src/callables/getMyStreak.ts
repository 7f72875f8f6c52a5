import { HttpsError, type CallableRequest } from 'firebase-functions/https';
import { getMyStreakRequestSchema, issuesFromZod, type GetMyStreakResponse } from '../contract/callables';
import { getRuntime } from '../runtime';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';

/** getMyStreak: the caller's streak from SQL, with `active` as of now in the caller's zone. */
export async function handleGetMyStreak(request: CallableRequest<unknown>): Promise<GetMyStreakResponse> {
  const uid = requireAuth(request, 'getMyStreak');
  const parsed = getMyStreakRequestSchema.safeParse(request.data ?? {});
  if (!parsed.success) {
    throw new HttpsError('invalid-argument', 'getMyStreak takes no arguments; see details.issues.', { issues: issuesFromZod(parsed.error) });
  }
  try {
    const [{ db, now }, { readStreak }, { toStreak }] = await Promise.all([getRuntime(), import('../db/userStreaks'), import('../accept/toStreak')]);
    return toStreak(uid, await readStreak(db.pool, uid), now());
  } catch (error) {
    throw toHttpsError(error, { fn: 'getMyStreak', uid });
  }
}
