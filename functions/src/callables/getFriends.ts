import type { CallableRequest } from 'firebase-functions/https';
import { getFriendsRequestSchema, type GetFriendsResponse } from '../contract/callables';
import { getRuntime } from '../runtime';
import type { CallContext } from './logs';
import { parseCallableRequest } from './parseCallableRequest';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';

/** getFriends: the caller's mutual friends and pending requests both ways, newest first. */
export async function handleGetFriends(request: CallableRequest<unknown>): Promise<GetFriendsResponse> {
  const uid = requireAuth(request, 'getFriends');
  const context: CallContext = { fn: 'getFriends', uid };
  parseCallableRequest(getFriendsRequestSchema, request.data, context);
  try {
    const [{ db }, { listFriends }] = await Promise.all([getRuntime(), import('../db/friendships')]);
    return await listFriends(db.pool, uid);
  } catch (error) {
    throw toHttpsError(error, context);
  }
}
