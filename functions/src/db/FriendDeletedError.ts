// Apart from db/friendships.ts so the callables' error mapping can name it without loading slonik at cold start.

/** addFriend named a user whose Firebase Auth account was deleted (sql/014): as unknown as one who never existed. */
export class FriendDeletedError extends Error {
  readonly code = 'friends/friend-deleted';
  constructor(readonly friendId: string) {
    super(`the Firebase Auth account ${friendId} was deleted`);
    this.name = 'FriendDeletedError';
  }
}
