import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { toDatabaseError } from './errors';
import { FriendCapError, type FriendCap } from './FriendCapError';

export { FriendCapError, type FriendCap };

// The friendships and friend_requests tables: a friendship is stored in both directions, a pending
// request once (requester → addressee). Changes go through friend_add / friend_remove (sql/008),
// which lock both users' rows in id order, so concurrent calls of one pair are serialized.

export interface FriendCaps {
  friendsMax: number;
  pendingRequestsMax: number;
}

const addRow = z.object({ status: z.enum(['friends', 'requested']).nullable(), refused: z.enum(['friends', 'friend_friends', 'pending_requests']).nullable(), friends: z.number() });
const removeRow = z.object({ removed: z.enum(['friendship', 'request', 'nothing']), friends: z.number() });

/**
 * Asks `friendId` to be friends, or accepts their pending request (both directions, one transaction).
 * Idempotent. Throws FriendCapError when a cap would be passed. `friends` counts the caller's mutual friends after the call.
 */
export async function addFriendship(db: CommonQueryMethods, userId: string, friendId: string, caps: FriendCaps): Promise<{ status: 'friends' | 'requested'; friends: number }> {
  let row: z.infer<typeof addRow>;
  try {
    row = await db.one(sql.type(addRow)`select status, refused, friends from friend_add(${userId}, ${friendId}, ${caps.friendsMax}, ${caps.pendingRequestsMax})`);
  } catch (error) {
    throw toDatabaseError(error);
  }
  if (row.refused !== null || row.status === null) {
    const cap = row.refused ?? 'friends';
    throw new FriendCapError(cap, cap === 'pending_requests' ? caps.pendingRequestsMax : caps.friendsMax);
  }
  return { status: row.status, friends: row.friends };
}

/** Ends a friendship (both directions) or a pending request (either way). Never fails for a missing one. */
export async function removeFriendship(db: CommonQueryMethods, userId: string, friendId: string): Promise<{ removed: 'friendship' | 'request' | 'nothing'; friends: number }> {
  try {
    return await db.one(sql.type(removeRow)`select removed, friends from friend_remove(${userId}, ${friendId})`);
  } catch (error) {
    throw toDatabaseError(error);
  }
}

export interface FriendLists {
  friends: { userId: string; since: string }[];
  incoming: { userId: string; requestedAt: string }[];
  outgoing: { userId: string; requestedAt: string }[];
}

/** Rows per list at most: friends and outgoing requests are capped far below; incoming requests are not. */
export const FRIEND_LIST_MAX = 1000;

const listRow = z.object({ kind: z.enum(['friend', 'incoming', 'outgoing']), userId: z.string(), at: z.string() });

/** The caller's mutual friends, incoming and outgoing requests, newest first (ties by userId), in one statement. */
export async function listFriends(db: CommonQueryMethods, userId: string): Promise<FriendLists> {
  let rows: readonly z.infer<typeof listRow>[];
  try {
    rows = await db.any(sql.type(listRow)`
      (select 'friend' as kind, f.friend_id as "userId", to_char(f.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at from friendships f
        where f.user_id = ${userId} order by f.created_at desc, f.friend_id limit ${FRIEND_LIST_MAX})
      union all
      (select 'incoming', r.requester_id, to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') from friend_requests r
        where r.addressee_id = ${userId} order by r.created_at desc, r.requester_id limit ${FRIEND_LIST_MAX})
      union all
      (select 'outgoing', r.addressee_id, to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') from friend_requests r
        where r.requester_id = ${userId} order by r.created_at desc, r.addressee_id limit ${FRIEND_LIST_MAX})`);
  } catch (error) {
    throw toDatabaseError(error);
  }
  const lists: FriendLists = { friends: [], incoming: [], outgoing: [] };
  const newestFirst = <T extends { userId: string }>(at: (x: T) => string) => (a: T, b: T) => at(b).localeCompare(at(a)) || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
  for (const r of rows) {
    if (r.kind === 'friend') lists.friends.push({ userId: r.userId, since: r.at });
    else lists[r.kind].push({ userId: r.userId, requestedAt: r.at });
  }
  lists.friends.sort(newestFirst((x) => x.since));
  lists.incoming.sort(newestFirst((x) => x.requestedAt));
  lists.outgoing.sort(newestFirst((x) => x.requestedAt));
  return lists;
}
