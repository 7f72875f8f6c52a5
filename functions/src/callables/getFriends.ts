import type { CallableRequest } from 'firebase-functions/https';
import { getFriendsRequestSchema, type GetFriendsResponse } from '../contract/callables';
import { getRuntime } from '../runtime';
import { limitedCall } from './limitedCall';
import type { CallContext } from './logs';
import { parseRequest } from './parseRequest';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';
import { inRequestTrace } from './inRequestTrace';

/** getFriends: the caller's mutual friends and pending requests both ways, newest first. */
export function handleGetFriends(request: CallableRequest<unknown>): Promise<GetFriendsResponse> {
  return inRequestTrace(request, () => untraced(request));
}

async function untraced(request: CallableRequest<unknown>): Promise<GetFriendsResponse> {
  const uid = requireAuth(request, 'getFriends');
  const context: CallContext & { uid: string } = { fn: 'getFriends', uid };
  parseRequest(getFriendsRequestSchema, request, context);
  try {
    const [runtime, { listFriends }] = await Promise.all([getRuntime(), import('../db/friendships')]);
    return await limitedCall(runtime, context, () => listFriends(runtime.db.pool, uid));
  } catch (error) {
    throw toHttpsError(error, context);
  }
}
