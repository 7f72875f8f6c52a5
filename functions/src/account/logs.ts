import { logger } from 'firebase-functions/logger';
import { traced } from '../observability/traceContext';

// Catalogue of account-data log lines (export, deletion by callable, Auth trigger or CLI): one name
// per event, one fixed message starting "account:", structured fields. Counts and ids, never data.
export const logs = {
  sqlDeleted(f: { userId: string; by: string; sessions: number; days: number; friendships: number; requests: number; versionFloor: number; accountDeleted: boolean }): void {
    logger.info('account: user data deleted from SQL, tombstone kept', traced(f));
  },
  documentsDeleted(f: { userId: string; by: string; legacySessions: number; legacyUser: boolean; streak: string }): void {
    logger.info('account: user documents deleted from Firestore', traced(f));
  },
  documentsSkipped(f: { userId: string; by: string; reason: string }): void {
    logger.warn('account: Firestore is not configured here, user documents left for finishAccountDeletions', traced(f));
  },
  documentsFailed(f: { userId: string; by: string; attempts: number; retryInMs: number; error: string }): void {
    logger.warn('account: deleting user documents from Firestore failed, finishAccountDeletions tries again', traced(f));
  },
  pendingPassCompleted(f: { claimed: number; done: number; failed: number; durationMs: number }): void {
    logger.info('account: pending Firestore deletions worked off', traced(f));
  },
  pendingPassSkipped(f: { reason: string }): void {
    logger.warn('account: pending Firestore deletions wait, Firestore is not configured here', traced(f));
  },
  uidRefused(f: { by: string; uidLength: number; reason: string }): void {
    logger.error('account: deletion refused, the uid cannot address a document', traced(f));
  },
  deletionRetrying(f: { userId: string; by: string; error: string }): void {
    logger.warn('account: deletion failed on a transient error, it will be retried', traced(f));
  },
  deletionFailed(f: { userId: string; by: string; error: string; stack?: string }): void {
    logger.error('account: deletion failed; run `npm run delete-user -- --user <uid> --confirm --account-deleted`', traced(f));
  },
  exported(f: { userId: string; sessions: number; more: boolean }): void {
    logger.info('account: data export page served', traced(f));
  },
};
