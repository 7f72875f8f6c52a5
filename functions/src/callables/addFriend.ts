import { HttpsError, type CallableRequest } from 'firebase-functions/https';
import { addFriendRequestSchema, type AddFriendResponse } from '../contract/callables';
import { getRuntime, userDirectory } from '../runtime';
import { logs, type CallContext } from './logs';
import { limitedCall } from './limitedCall';
import { parseRequest } from './parseRequest';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';
import { inRequestTrace } from './inRequestTrace';

/**
 * addFriend: asks `friendId` to be friends, or accepts their pending request (both directions at
 * once). The other user must exist in Firebase Auth; a user who never recorded a session does.
 */
export function handleAddFriend(request: CallableRequest<unknown>): Promise<AddFriendResponse> {
  return inRequestTrace(request, () => untraced(request));
}

async function untraced(request: CallableRequest<unknown>): Promise<AddFriendResponse> {
  const uid = requireAuth(request, 'addFriend');
  const context: CallContext & { uid: string } = { fn: 'addFriend', uid };
  const { friendId } = parseRequest(addFriendRequestSchema, request, context);
  context.friendId = friendId;
  if (friendId === uid) {
    logs.friendSelf(context);
    throw new HttpsError('invalid-argument', 'You cannot add yourself as a friend.', {
      issues: [{ field: 'friendId', code: 'self', message: 'must be another user than the caller' }],
    });
  }
  try {
    const runtime = await getRuntime();
    return await limitedCall(runtime, context, async () => {
      if (!(await userDirectory(runtime).exists(friendId))) {
        logs.friendUnknown(context, friendId);
        throw new HttpsError('not-found', 'No user with this friendId.', { friendId });
      }
      const { addFriendship } = await import('../db/friendships');
      const caps = { friendsMax: runtime.config.friends.max, pendingRequestsMax: runtime.config.friends.pendingRequestsMax };
      const result = await addFriendship(runtime.db.pool, uid, friendId, caps);
      logs.friendAdded(context, friendId, result.status);
      return { friendId, status: result.status, friends: result.friends };
    });
  } catch (error) {
    throw toHttpsError(error, context);
  }
}
