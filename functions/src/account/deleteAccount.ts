import type { CommonQueryMethods } from 'slonik';
import { deleteUserData, type DeletedCounts } from '../db/accountData';
import type { AccountDocuments, LegacyDocumentCounts } from '../firebase/accountDocuments';
import { backoffDelayMs } from '../outbox/backoff';
import { describeError } from '../outbox/logs';
import { logs } from './logs';

export interface DeleteAccountDependencies {
  db: CommonQueryMethods;
  /** Firestore's side; null where Firestore cannot be reached (the local stack without its emulator): SQL only, logged. */
  documents: AccountDocuments | null;
  now(): number;
  /** Who asked, for the logs: deleteMyData, the Auth trigger, the CLI. */
  by: string;
  /** The Firebase Auth account is gone too: nothing of this uid is stored again (the Auth trigger; the CLI's --account-deleted). */
  accountDeleted?: boolean;
}

export interface DeleteAccountResult {
  deleted: DeletedCounts;
  versionFloor: number;
  deletedAt: string;
  /** Null when Firestore was not touched (finishAccountDeletions does it where Firestore is configured). */
  documents: DocumentsOutcome | null;
}

/** `streak`: 'tombstoned', or 'newer_kept' when the user recorded again meanwhile. */
export type DocumentsOutcome = LegacyDocumentCounts & { streak: 'tombstoned' | 'newer_kept' };

/** Backoff of the Firestore half: a failed attempt waits 1 min, 2 min, 4 min … up to 1 h (finishAccountDeletions runs every 5 minutes). */
export const DOCUMENTS_BACKOFF = { baseMs: 60_000, maxMs: 60 * 60_000 };

/**
 * Deletes everything stored about a user: every SQL row in one transaction, which also leaves the
 * id-only tombstone and records the Firestore work still to do; then that work at once: the legacy
 * Firestore documents, and streaks/{uid} becomes an id-only tombstone. SQL goes first: a failure after
 * it leaves documents that finishAccountDeletions removes (every step is idempotent), never SQL rows
 * that a retry could miss. Throws on any failure, so callers may retry; the recorded work is done
 * whatever the caller does.
 */
export async function deleteAccount(userId: string, deps: DeleteAccountDependencies): Promise<DeleteAccountResult> {
  const sql = await deleteUserData(deps.db, userId, { accountDeleted: deps.accountDeleted ?? false });
  logs.sqlDeleted({ userId, by: deps.by, ...sql.deleted, versionFloor: sql.versionFloor, accountDeleted: deps.accountDeleted ?? false });
  const { deleted, versionFloor, deletedAt } = sql;
  if (!deps.documents) {
    logs.documentsSkipped({ userId, by: deps.by, reason: 'no Firestore emulator host or credentials; finishAccountDeletions does it where Firestore is configured' });
    return { deleted, versionFloor, deletedAt, documents: null };
  }
  const documents = await deleteDocumentsOnce(deps.db, deps.documents, { userId, requestedAt: sql.documentsRequestedAt, attempts: 0, versionFloor }, deps.by);
  return { deleted, versionFloor, deletedAt, documents };
}

/**
 * One attempt at the Firestore half of a recorded deletion, settled in pending_document_deletions:
 * done, or failed with the next attempt backed off (then the error is thrown).
 */
export async function deleteDocumentsOnce(
  db: CommonQueryMethods,
  documents: AccountDocuments,
  pending: { userId: string; requestedAt: string; attempts: number; versionFloor: number },
  by: string,
): Promise<DocumentsOutcome> {
  const { settleDocumentDeletionDone, settleDocumentDeletionFailed } = await import('../db/pendingDocumentDeletions');
  const { userId } = pending;
  let outcome: DocumentsOutcome;
  try {
    const legacy = await documents.deleteLegacy(userId);
    const tombstone = await documents.writeTombstone(userId, pending.versionFloor);
    outcome = { ...legacy, streak: tombstone.written ? 'tombstoned' : 'newer_kept' };
  } catch (error) {
    const attempts = pending.attempts + 1;
    const retryInMs = backoffDelayMs(attempts, DOCUMENTS_BACKOFF);
    logs.documentsFailed({ userId, by, attempts, retryInMs, error: describeError(error) });
    await settleDocumentDeletionFailed(db, userId, pending.requestedAt, describeError(error), retryInMs).catch(() => undefined);
    throw error;
  }
  await settleDocumentDeletionDone(db, userId, pending.requestedAt);
  logs.documentsDeleted({ userId, by, legacySessions: outcome.sessions, legacyUser: outcome.user, streak: outcome.streak });
  return outcome;
}
