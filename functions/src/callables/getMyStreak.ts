import { HttpsError, type CallableRequest } from 'firebase-functions/https';
import { getMyStreakRequestSchema, invalidArgumentDetails, issuesFromZod, prototypeKeyIssues, type GetMyStreakResponse } from '../contract/callables';
import { rawData } from './acceptFocusSession';
import { getRuntime } from '../runtime';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';

/** getMyStreak: the caller's streak from SQL, with `active` as of now in the caller's zone. */
export async function handleGetMyStreak(request: CallableRequest<unknown>): Promise<GetMyStreakResponse> {
  const uid = requireAuth(request, 'getMyStreak');
  const parsed = getMyStreakRequestSchema.safeParse(request.data ?? {});
  const zodIssues = parsed.success ? [] : issuesFromZod(parsed.error);
  const issues = [...zodIssues, ...prototypeKeyIssues(request.data, rawData(request)).filter((i) => !zodIssues.some((z) => z.field === i.field))];
  if (issues.length > 0) {
    throw new HttpsError('invalid-argument', 'getMyStreak takes no arguments; see details.issues.', invalidArgumentDetails(issues));
  }
  try {
    const [{ db, now }, { readStreak }, { toStreak }] = await Promise.all([getRuntime(), import('../db/userStreaks'), import('../accept/toStreak')]);
    return toStreak(uid, await readStreak(db.pool, uid), now());
  } catch (error) {
    throw toHttpsError(error, { fn: 'getMyStreak', uid });
  }
}
