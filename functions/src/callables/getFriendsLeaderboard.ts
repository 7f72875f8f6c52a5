import type { CallableRequest } from 'firebase-functions/https';
import { getFriendsLeaderboardRequestSchema, type GetFriendsLeaderboardResponse } from '../contract/callables';
import { getRuntime } from '../runtime';
import type { CallContext } from './logs';
import { parseCallableRequest } from './parseCallableRequest';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';

/**
 * getFriendsLeaderboard: the caller and their mutual friends ranked by active streak or by focus
 * minutes this local week; the top `limit`, then the caller when not among them. One SQL statement.
 */
export async function handleGetFriendsLeaderboard(request: CallableRequest<unknown>): Promise<GetFriendsLeaderboardResponse> {
  const uid = requireAuth(request, 'getFriendsLeaderboard');
  const context: CallContext = { fn: 'getFriendsLeaderboard', uid };
  const { limit, by } = parseCallableRequest(getFriendsLeaderboardRequestSchema, request.data, context);
  try {
    const [{ db, now }, { readBoard }] = await Promise.all([getRuntime(), import('../db/friendsLeaderboard')]);
    const board = await readBoard(db.pool, by, uid, now(), limit);
    return { by, weekStart: board.weekStart, entries: board.entries };
  } catch (error) {
    throw toHttpsError(error, context);
  }
}
