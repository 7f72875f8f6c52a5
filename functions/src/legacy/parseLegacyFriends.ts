import { isUsableUserId } from '../contract/userId';
import type { LegacyPath } from './legacyPath';
import type { Reject } from './rejectReason';

/** What a legacy users/{uid} document says about friends: the uids its `friends` array lists. */
export interface LegacyFriendListing {
  path: string;
  userId: string;
  /** Distinct well-formed uids other than the lister, in listed order. */
  friendIds: string[];
  /** Entries that cannot be uids (not strings, empty, over 128 characters, the lister itself), described. */
  invalid: string[];
}

const isUid = (v: unknown): v is string => isUsableUserId(v);

/**
 * The friends listing of a legacy `users/{uid}` document. A document without `friends` (or with
 * null) lists nobody: `skip`. A `friends` that is not an array is rejected as invalid_friends.
 */
export function parseLegacyFriends(location: LegacyPath, data: unknown): { ok: true; listing: LegacyFriendListing } | { ok: 'skip' } | { ok: false; reject: Reject } {
  const reject = (reason: Reject['reason'], detail: string) => ({ ok: false as const, reject: { path: location.path, reason, detail, raw: data } });
  if (!isUid(location.id)) return reject('invalid_user', 'user id must be 1-128 characters that name one document');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return reject('malformed_json', 'document data must be an object');
  const friends = (data as Record<string, unknown>).friends;
  if (friends === undefined || friends === null) return { ok: 'skip' };
  if (!Array.isArray(friends)) return reject('invalid_friends', 'friends must be an array of user ids');
  const friendIds: string[] = [];
  const invalid: string[] = [];
  const seen = new Set<string>();
  for (const entry of friends) {
    if (!isUid(entry)) invalid.push(JSON.stringify(entry)?.slice(0, 140) ?? String(entry));
    else if (entry === location.id) invalid.push(`${JSON.stringify(entry)} (the user itself)`);
    else if (!seen.has(entry)) {
      seen.add(entry);
      friendIds.push(entry);
    }
  }
  return { ok: true, listing: { path: location.path, userId: location.id, friendIds, invalid } };
}
