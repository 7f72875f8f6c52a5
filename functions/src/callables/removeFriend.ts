import type { CallableRequest } from 'firebase-functions/https';
import { removeFriendRequestSchema, type RemoveFriendResponse } from '../contract/callables';
import { getRuntime } from '../runtime';
import { logs, type CallContext } from './logs';
import { limitedCall } from './limitedCall';
import { parseRequest } from './parseRequest';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';
import { inRequestTrace } from './inRequestTrace';

/**
 * removeFriend: ends a friendship in both directions, or cancels (ours) or declines (theirs) a
 * pending request. Never an error for what is not there, the caller included: the answer is the same.
 */
export function handleRemoveFriend(request: CallableRequest<unknown>): Promise<RemoveFriendResponse> {
  return inRequestTrace(request, () => untraced(request));
}

async function untraced(request: CallableRequest<unknown>): Promise<RemoveFriendResponse> {
  const uid = requireAuth(request, 'removeFriend');
  const context: CallContext & { uid: string } = { fn: 'removeFriend', uid };
  const { friendId } = parseRequest(removeFriendRequestSchema, request, context);
  context.friendId = friendId;
  try {
    const runtime = await getRuntime();
    return await limitedCall(runtime, context, async () => {
      const { removeFriendship } = await import('../db/friendships');
      const result = await removeFriendship(runtime.db.pool, uid, friendId);
      logs.friendRemoved(context, friendId, result.removed);
      return { friendId, status: 'none' as const, friends: result.friends };
    });
  } catch (error) {
    throw toHttpsError(error, context);
  }
}
