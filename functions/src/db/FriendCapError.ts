// Apart from db/friendships.ts so the callables' error mapping can name it without loading slonik at cold start.

/** Which cap stopped an addFriend: the caller's friends, the other user's friends, the caller's pending requests. */
export type FriendCap = 'friends' | 'friend_friends' | 'pending_requests';

/** addFriend would pass a cap; nothing was changed. */
export class FriendCapError extends Error {
  readonly code = 'friends/cap';
  constructor(
    readonly cap: FriendCap,
    readonly limit: number,
  ) {
    super(`friend cap reached: ${cap} (${limit})`);
    this.name = 'FriendCapError';
  }
}
