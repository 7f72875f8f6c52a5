import type { CommonQueryMethods } from 'slonik';
import { deleteUserData, type DeletedCounts } from '../db/accountData';
import type { AccountDocuments, LegacyDocumentCounts } from '../firebase/accountDocuments';
import { TOMBSTONE_TTL_MS } from '../projection/streakTombstone';
import { logs } from './logs';

export interface DeleteAccountDependencies {
  db: CommonQueryMethods;
  /** Firestore's side; null where Firestore cannot be reached (the local stack without its emulator): SQL only, logged. */
  documents: AccountDocuments | null;
  now(): number;
  /** Who asked, for the logs: deleteMyData, the Auth trigger, the CLI. */
  by: string;
}

export interface DeleteAccountResult {
  deleted: DeletedCounts;
  versionFloor: number;
  deletedAt: string;
  /** Null when Firestore was not touched. `streak`: 'tombstoned', or 'newer_kept' when the user recorded again meanwhile. */
  documents: (LegacyDocumentCounts & { streak: 'tombstoned' | 'newer_kept' }) | null;
}

/**
 * Deletes everything stored about a user: every SQL row in one transaction (leaving the id-only
 * tombstone), then the legacy Firestore documents, then streaks/{uid} becomes an id-only tombstone.
 * SQL goes first: a failure after it leaves documents that a retry removes (every step is
 * idempotent), never SQL rows that a retry could miss. Throws on any failure, so callers retry.
 */
export async function deleteAccount(userId: string, deps: DeleteAccountDependencies): Promise<DeleteAccountResult> {
  const sql = await deleteUserData(deps.db, userId);
  logs.sqlDeleted({ userId, by: deps.by, ...sql.deleted, versionFloor: sql.versionFloor });
  if (!deps.documents) {
    logs.documentsSkipped({ userId, by: deps.by, reason: 'no Firestore emulator host or credentials' });
    return { ...sql, documents: null };
  }
  const legacy = await deps.documents.deleteLegacy(userId);
  const tombstone = await deps.documents.writeTombstone(userId, sql.versionFloor, new Date(deps.now() + TOMBSTONE_TTL_MS));
  const streak = tombstone.written ? 'tombstoned' : 'newer_kept';
  logs.documentsDeleted({ userId, by: deps.by, legacySessions: legacy.sessions, legacyUser: legacy.user, streak });
  return { ...sql, documents: { ...legacy, streak } };
}
