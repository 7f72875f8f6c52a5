import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { toDatabaseError } from './errors';
import { AccountDeletedError } from './AccountDeletedError';
import { FriendCapError, type FriendCap } from './FriendCapError';
import { FriendDeletedError } from './FriendDeletedError';

export { FriendCapError, type FriendCap };

// The friendships and friend_requests tables: a friendship is stored in both directions, a pending
// request once (requester → addressee). Changes go through friend_add / friend_remove (sql/functions),
// which lock both users' rows in id order, so concurrent calls of one pair are serialized.

export interface FriendCaps {
  friendsMax: number;
  pendingRequestsMax: number;
}

const addRow = z.object({
  status: z.enum(['friends', 'requested']).nullable(),
  refused: z.enum(['friends', 'friend_friends', 'pending_requests', 'account_deleted', 'friend_deleted']).nullable(),
  friends: z.number(),
});
const removeRow = z.object({ removed: z.enum(['friendship', 'request', 'nothing', 'account_deleted']), friends: z.number() });


/**
 * Asks `friendId` to be friends, or accepts their pending request (both directions, one transaction).
 * Idempotent. Throws FriendCapError when a cap would be passed, AccountDeletedError when the caller's
 * Firebase Auth account was deleted, FriendDeletedError when the other's was. `friends` counts the
 * caller's mutual friends after the call.
 */
export async function addFriendship(db: CommonQueryMethods, userId: string, friendId: string, caps: FriendCaps): Promise<{ status: 'friends' | 'requested'; friends: number }> {
  let row: z.infer<typeof addRow>;
  try {
    row = await db.one(sql.type(addRow)`select status, refused, friends from friend_add(${userId}, ${friendId}, ${caps.friendsMax}, ${caps.pendingRequestsMax})`);
  } catch (error) {
    throw toDatabaseError(error);
  }
  if (row.refused === 'account_deleted') throw new AccountDeletedError(userId);
  if (row.refused === 'friend_deleted') throw new FriendDeletedError(friendId);
  if (row.refused !== null || row.status === null) {
    const cap = row.refused ?? 'friends';
    throw new FriendCapError(cap, cap === 'pending_requests' ? caps.pendingRequestsMax : caps.friendsMax);
  }
  return { status: row.status, friends: row.friends };
}

/**
 * Ends a friendship (both directions) or a pending request (either way), remembered in
 * friend_removals so no backfill restores it. Never fails for a missing one; AccountDeletedError when
 * the caller's Firebase Auth account was deleted.
 */
export async function removeFriendship(db: CommonQueryMethods, userId: string, friendId: string): Promise<{ removed: 'friendship' | 'request' | 'nothing'; friends: number }> {
  let row: z.infer<typeof removeRow>;
  try {
    row = await db.one(sql.type(removeRow)`select removed, friends from friend_remove(${userId}, ${friendId})`);
  } catch (error) {
    throw toDatabaseError(error);
  }
  if (row.removed === 'account_deleted') throw new AccountDeletedError(userId);
  return { removed: row.removed, friends: row.friends };
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
      (select 'friend' as kind, f.friend_id as "userId", to_char(f.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at from friendships f
        where f.user_id = ${userId} order by f.created_at desc, f.friend_id limit ${FRIEND_LIST_MAX})
      union all
      (select 'incoming', r.requester_id, to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') from friend_requests r
        where r.addressee_id = ${userId} order by r.created_at desc, r.requester_id limit ${FRIEND_LIST_MAX})
      union all
      (select 'outgoing', r.addressee_id, to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') from friend_requests r
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

/** What a batch of legacy listings did (or, dry, would do), counted per listing (lister → friend). */
export interface LegacyFriendshipCounts {
  /** One-sided so far: a pending request from the lister was stored. */
  requested: number;
  /** The other side listed (in this batch) or asked (stored) too: now friends in both directions. */
  befriended: number;
  /** Already friends, or the same request already pending. */
  unchanged: number;
  /** One of the two removed the other since (removeFriend, friend_removals): never restored. */
  removed: number;
}

const legacyCounts = z.object({ requested: z.number(), befriended: z.number(), unchanged: z.number(), removed: z.number() });

/**
 * Stores legacy friend listings like addFriend would, set-based: a listing whose reverse is in the
 * batch or already pending makes a friendship (both directions, the requests deleted); any other
 * becomes a pending request from the lister. A pair either user took apart with removeFriend
 * (friend_removals) is never restored. Idempotent. Callers create the users rows first; the pairs'
 * users rows are locked in id order, like friend_add, so live calls are never crossed. Caps are not
 * applied: the legacy app had none. `dryRun` classifies and writes nothing.
 */
export async function storeLegacyFriendships(
  db: CommonQueryMethods,
  listings: readonly { userId: string; friendId: string }[],
  options: { dryRun: boolean },
): Promise<LegacyFriendshipCounts> {
  if (listings.length === 0) return { requested: 0, befriended: 0, unchanged: 0, removed: 0 };
  const input = sql.unnest(listings.map((l) => [l.userId, l.friendId]), ['text', 'text']);
  const classified = sql.fragment`
    listed as (select distinct t.r, t.a from ${input} as t(r, a) where t.r <> t.a),
    gone as (
      select l.r, l.a from listed l
      where exists (select from friend_removals x where (x.user_id = l.r and x.friend_id = l.a) or (x.user_id = l.a and x.friend_id = l.r))
    ),
    input as (select l.r, l.a from listed l where not exists (select from gone g where g.r = l.r and g.a = l.a)),
    classified as (
      select i.r, i.a,
             exists (select from friendships f where f.user_id = i.r and f.friend_id = i.a) as already_friends,
             (exists (select from input j where j.r = i.a and j.a = i.r)
              or exists (select from friend_requests q where q.requester_id = i.a and q.addressee_id = i.r)) as other_side,
             exists (select from friend_requests q where q.requester_id = i.r and q.addressee_id = i.a) as own_pending
      from input i
    )`;
  const counts = sql.fragment`
    select count(*) filter (where not already_friends and not other_side and not own_pending)::int as requested,
           count(*) filter (where not already_friends and other_side)::int as befriended,
           count(*) filter (where already_friends or (own_pending and not other_side))::int as unchanged,
           (select count(*)::int from gone) as removed
    from classified`;
  try {
    if (options.dryRun) return await db.one(sql.type(legacyCounts)`with ${classified} ${counts}`);
    const ids = [...new Set(listings.flatMap((l) => [l.userId, l.friendId]))];
    await db.query(sql.type(z.object({ id: z.string() }))`select id from users where id = any (${sql.array(ids, 'text')}) order by id for no key update`);
    return await db.one(sql.type(legacyCounts)`
      with ${classified},
      to_friend as (select r, a from classified where not already_friends and other_side),
      added as (
        insert into friendships (user_id, friend_id) select r, a from to_friend union select a, r from to_friend
        on conflict do nothing returning 1),
      answered as (
        delete from friend_requests q using to_friend t
        where (q.requester_id = t.r and q.addressee_id = t.a) or (q.requester_id = t.a and q.addressee_id = t.r) returning 1),
      asked as (
        insert into friend_requests (requester_id, addressee_id)
        select r, a from classified where not already_friends and not other_side and not own_pending
        on conflict do nothing returning 1)
      ${counts}`);
  } catch (error) {
    throw toDatabaseError(error);
  }
}
