import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { toDatabaseError } from './errors';

// The deleted_users table (sql/migrations/010): id-only tombstones of deleted users, written by delete_user_data
// (db/accountData.ts). version_floor keeps a returning user's versions above anything still in flight;
// deleted_at tells legacy data written before the deletion from what came after.

export interface Tombstone {
  userId: string;
  versionFloor: number;
  deletedAt: string;
}

const tombstoneRow = z.object({ userId: z.string(), versionFloor: z.coerce.number().int(), deletedAt: z.string() });

/** The tombstones of these users (only those deleted at least once). */
export async function tombstonesOf(db: CommonQueryMethods, userIds: readonly string[]): Promise<Map<string, Tombstone>> {
  if (userIds.length === 0) return new Map();
  try {
    const rows = await db.any(sql.type(tombstoneRow)`
      select d.user_id as "userId", d.version_floor as "versionFloor",
             to_char(d.deleted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "deletedAt"
      from deleted_users d where d.user_id = any (${sql.array([...new Set(userIds)], 'text')})`);
    return new Map(rows.map((r) => [r.userId, r]));
  } catch (error) {
    throw toDatabaseError(error);
  }
}

/** SQLSTATE raised when a legacy session of a deleted user, written before the deletion, is inserted. */
export const DELETED_USER_SQLSTATE = 'FSDEL';

/** Whether an error (or its causes) is the refusal of a legacy session of a deleted user. */
export function isDeletedUserRefusal(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === DELETED_USER_SQLSTATE) return true;
  }
  return false;
}

/**
 * The legacy rule: a legacy (bridge, backfill) session of a deleted user that starts before the
 * deletion was written before it, and must not bring their data back.
 */
export function isLegacySessionOfDeletedUser(tombstone: Tombstone | undefined, startMs: number): boolean {
  return tombstone !== undefined && startMs < Date.parse(tombstone.deletedAt);
}
