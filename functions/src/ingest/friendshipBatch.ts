import type { CommonQueryMethods } from 'slonik';
import { tombstonesOf } from '../db/deletedUsers';
import { storeLegacyFriendships, type LegacyFriendshipCounts } from '../db/friendships';
import { ensureUsers, unknownUsers } from '../db/users';
import { deletedUserReject, parseLegacyFriends, type ExportDocument, type LegacyFriendListing, type Reject } from '../legacy';

export interface PreparedFriendships {
  /** Listings of known users only: (lister, friend). */
  listings: { userId: string; friendId: string }[];
  /** Every uid the listings name, to create as users rows before the friendships. */
  users: string[];
  rejects: Reject[];
  /** Users without a friends field, and friends dropped as deleted users. */
  skipped: number;
}

/**
 * Parses a batch of legacy users/{uid} documents (the caller picked them out of its source) into friend listings. A listed uid must be a known
 * user: a SQL user (the users backfill stores every legacy users/{uid}), a lister of this batch, or
 * (Firestore) an existing users/{uid} document. A document's unknown or malformed entries are one
 * reject (unknown_friend or invalid_friends) naming them all; its other entries are still stored.
 * A deleted user (deleted_users) is neither a lister (deleted_user, nothing of the document kept) nor
 * a friend: such entries are dropped, from the listing and from any reject's raw document.
 */
export async function prepareFriendships(
  db: CommonQueryMethods,
  docs: readonly ExportDocument[],
  existingUsers?: (ids: string[]) => Promise<ReadonlySet<string>>,
): Promise<PreparedFriendships> {
  const prepared: PreparedFriendships = { listings: [], users: [], rejects: [], skipped: 0 };
  const parsed: { listing: LegacyFriendListing; raw: unknown }[] = [];
  for (const doc of docs) {
    const result = parseLegacyFriends(doc, doc.data);
    if (result.ok === 'skip') prepared.skipped += 1;
    else if (result.ok === false) prepared.rejects.push(result.reject);
    else parsed.push({ listing: result.listing, raw: doc.data });
  }

  const deleted = await tombstonesOf(db, [...new Set(parsed.flatMap((p) => [p.listing.userId, ...p.listing.friendIds]))]);
  const kept: typeof parsed = [];
  for (const { listing, raw } of parsed) {
    if (deleted.has(listing.userId)) {
      prepared.rejects.push(deletedUserReject(listing.path, 'the user was deleted after this document was written'));
      continue;
    }
    const friendIds = listing.friendIds.filter((id) => !deleted.has(id));
    prepared.skipped += listing.friendIds.length - friendIds.length;
    kept.push({ listing: { ...listing, friendIds }, raw: friendIds.length === listing.friendIds.length ? raw : withoutFriends(raw, deleted) });
  }
  parsed.splice(0, parsed.length, ...kept);
  const listers = new Set(parsed.map((p) => p.listing.userId));
  const named = [...new Set(parsed.flatMap((p) => p.listing.friendIds))].filter((id) => !listers.has(id));
  let unknown = new Set(await unknownUsers(db, named));
  if (unknown.size > 0 && existingUsers) {
    const existing = await existingUsers([...unknown]);
    unknown = new Set([...unknown].filter((id) => !existing.has(id)));
  }
  const users = new Set<string>();
  for (const { listing, raw } of parsed) {
    const missing = listing.friendIds.filter((id) => unknown.has(id));
    if (listing.invalid.length > 0) {
      prepared.rejects.push({ path: listing.path, reason: 'invalid_friends', detail: `not user ids: ${listing.invalid.join(', ')}${missing.length ? `; unknown: ${missing.join(', ')}` : ''}`.slice(0, 2000), raw });
    } else if (missing.length > 0) {
      prepared.rejects.push({ path: listing.path, reason: 'unknown_friend', detail: `no such user: ${missing.join(', ')}`.slice(0, 2000), raw });
    }
    users.add(listing.userId);
    for (const friendId of listing.friendIds) {
      if (unknown.has(friendId)) continue;
      users.add(friendId);
      prepared.listings.push({ userId: listing.userId, friendId });
    }
  }
  prepared.users = [...users];
  return prepared;
}

/** The document as evidence, without the deleted users its friends array names. */
function withoutFriends(raw: unknown, deleted: ReadonlyMap<string, unknown>): unknown {
  const friends = (raw as { friends?: unknown }).friends;
  return Array.isArray(friends) ? { ...(raw as object), friends: friends.filter((f) => !(typeof f === 'string' && deleted.has(f))) } : raw;
}

/**
 * Writes a prepared batch (in the caller's transaction, which holds the deletion gate): the users
 * rows, then the friendships and requests. Users deleted since the batch was prepared are left out.
 */
export async function writeFriendshipBatch(tx: CommonQueryMethods, prepared: PreparedFriendships, options: { dryRun: boolean }): Promise<LegacyFriendshipCounts> {
  const deleted = await tombstonesOf(tx, prepared.users);
  const listings = deleted.size === 0 ? prepared.listings : prepared.listings.filter((l) => !deleted.has(l.userId) && !deleted.has(l.friendId));
  if (!options.dryRun) await ensureUsers(tx, prepared.users.filter((u) => !deleted.has(u)));
  return storeLegacyFriendships(tx, listings, options);
}
