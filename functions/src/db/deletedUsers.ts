import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { toDatabaseError } from './errors';

export { DELETED_USER_SQLSTATE, isDeletedUserRefusal } from './AccountDeletedError';

// The deleted_users table (sql/migrations/010, 014): id-only tombstones of deleted users, written by
// delete_user_data (db/accountData.ts). version_floor keeps a returning user's versions above anything
// still in flight; deleted_at tells legacy data written before the deletion from what came after;
// account_deleted_at says the Firebase Auth account is gone, so nothing of the uid is stored again.

export interface Tombstone {
  userId: string;
  versionFloor: number;
  deletedAt: string;
  /** When the Firebase Auth account was deleted; null when only the data was (deleteMyData). */
  accountDeletedAt: string | null;
}

const tombstoneRow = z.object({ userId: z.string(), versionFloor: z.coerce.number().int(), deletedAt: z.string(), accountDeletedAt: z.string().nullable() });
const US = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

/** The tombstones of these users (only those deleted at least once). */
export async function tombstonesOf(db: CommonQueryMethods, userIds: readonly string[]): Promise<Map<string, Tombstone>> {
  if (userIds.length === 0) return new Map();
  try {
    const rows = await db.any(sql.type(tombstoneRow)`
      select d.user_id as "userId", d.version_floor as "versionFloor",
             to_char(d.deleted_at at time zone 'UTC', ${US}) as "deletedAt",
             to_char(d.account_deleted_at at time zone 'UTC', ${US}) as "accountDeletedAt"
      from deleted_users d where d.user_id = any (${sql.array([...new Set(userIds)], 'text')})`);
    return new Map(rows.map((r) => [r.userId, r]));
  } catch (error) {
    throw toDatabaseError(error);
  }
}

/**
 * The legacy rule: a legacy (bridge, backfill) session of a deleted user that starts before the
 * deletion was written before it, and must not bring their data back. A gone account takes none at all.
 */
export function isLegacySessionOfDeletedUser(tombstone: Tombstone | undefined, startMs: number): boolean {
  return tombstone !== undefined && (tombstone.accountDeletedAt !== null || startMs < Date.parse(tombstone.deletedAt));
}
