import type { CallableRequest } from 'firebase-functions/https';
import { getFriendsLeaderboardRequestSchema, type GetFriendsLeaderboardResponse } from '../contract/callables';
import { getRuntime } from '../runtime';
import { limitedCall } from './limitedCall';
import type { CallContext } from './logs';
import { parseRequest } from './parseRequest';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';
import { inRequestTrace } from './inRequestTrace';

/**
 * getFriendsLeaderboard: the caller and their mutual friends ranked by active streak or by focus
 * minutes this local week; the top `limit`, then the caller when not among them. One SQL statement.
 */
export function handleGetFriendsLeaderboard(request: CallableRequest<unknown>): Promise<GetFriendsLeaderboardResponse> {
  return inRequestTrace(request, () => untraced(request));
}

async function untraced(request: CallableRequest<unknown>): Promise<GetFriendsLeaderboardResponse> {
  const uid = requireAuth(request, 'getFriendsLeaderboard');
  const context: CallContext & { uid: string } = { fn: 'getFriendsLeaderboard', uid };
  const { limit, by } = parseRequest(getFriendsLeaderboardRequestSchema, request, context);
  try {
    const [runtime, { readBoard }] = await Promise.all([getRuntime(), import('../db/friendsLeaderboard')]);
    const board = await limitedCall(runtime, context, () => readBoard(runtime.db.pool, by, uid, runtime.now(), limit));
    return { by, weekStart: board.weekStart, entries: board.entries };
  } catch (error) {
    throw toHttpsError(error, context);
  }
}
