import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { toDatabaseError } from './errors';

// The pending_document_deletions table (sql/014): the Firestore half of deletions not known to be done,
// one row per user, written by delete_user_data in the deletion's own transaction. The deleting caller
// settles it after its immediate attempt; finishAccountDeletions claims what is due. A row is settled
// only for the deletion that asked (requested_at), so a later deletion of the same user is never lost.

export interface PendingDocumentDeletion {
  userId: string;
  /** Which deletion asked (microseconds, UTC): pass it back when settling. */
  requestedAt: string;
  attempts: number;
  /** The tombstone's version: deleted_users.version_floor now. */
  versionFloor: number;
}

const US = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';
const pendingRow = z.object({ userId: z.string(), requestedAt: z.string(), attempts: z.number().int(), versionFloor: z.coerce.number().int() });

/**
 * Claims up to `limit` due rows for `leaseMs` (skipping rows another claimer holds): a lease on
 * next_attempt_at, not an open transaction, so a claimer that dies only delays its rows.
 */
export async function claimPendingDocumentDeletions(db: CommonQueryMethods, limit: number, leaseMs: number): Promise<readonly PendingDocumentDeletion[]> {
  try {
    return await db.any(sql.type(pendingRow)`
      with due as (
        select p.user_id from pending_document_deletions p
        where p.next_attempt_at <= now()
        order by p.next_attempt_at, p.user_id
        limit ${limit}
        for update skip locked
      )
      update pending_document_deletions p set next_attempt_at = now() + ${Math.round(leaseMs)}::int8 * interval '1 millisecond'
      from due
      where p.user_id = due.user_id
      returning p.user_id as "userId", to_char(p.requested_at at time zone 'UTC', ${US}) as "requestedAt", p.attempts,
                coalesce((select d.version_floor from deleted_users d where d.user_id = p.user_id), 0) as "versionFloor"`);
  } catch (error) {
    throw toDatabaseError(error);
  }
}

/** The deletion's Firestore work is done: its row goes (unless a later deletion asked again). */
export async function settleDocumentDeletionDone(db: CommonQueryMethods, userId: string, requestedAt: string): Promise<void> {
  try {
    await db.query(sql.type(z.object({ user_id: z.string() }))`
      delete from pending_document_deletions where user_id = ${userId} and requested_at = ${requestedAt}::timestamptz returning user_id`);
  } catch (error) {
    throw toDatabaseError(error);
  }
}

/** The attempt failed: one more attempt counted, the error kept, the next one not before `retryInMs`. */
export async function settleDocumentDeletionFailed(db: CommonQueryMethods, userId: string, requestedAt: string, lastError: string, retryInMs: number): Promise<void> {
  try {
    await db.query(sql.type(z.object({ user_id: z.string() }))`
      update pending_document_deletions
      set attempts = attempts + 1, last_error = ${lastError}, next_attempt_at = now() + ${Math.round(retryInMs)}::int8 * interval '1 millisecond'
      where user_id = ${userId} and requested_at = ${requestedAt}::timestamptz
      returning user_id`);
  } catch (error) {
    throw toDatabaseError(error);
  }
}
