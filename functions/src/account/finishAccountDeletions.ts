import type { CommonQueryMethods } from 'slonik';
import type { AccountDocuments } from '../firebase/accountDocuments';
import { deleteDocumentsOnce } from './deleteAccount';
import { logs } from './logs';

export interface FinishOptions {
  /** Rows claimed per batch. */
  batchSize?: number;
  /** How long a claimed row is reserved; must outlast one user's Firestore work. */
  leaseMs?: number;
  /** Stop starting new batches after this long (keep below the function timeout); the next run goes on. */
  timeBudgetMs?: number;
}

export interface FinishSummary {
  /** False when Firestore is not configured here: nothing was claimed. */
  enabled: boolean;
  claimed: number;
  done: number;
  failed: number;
  durationMs: number;
}

/**
 * Works off the Firestore half of deletions that is recorded but not done (pending_document_deletions):
 * the caller failed, gave up or never reached Firestore. Each claimed user gets one attempt; a failure
 * counts an attempt and backs off (DOCUMENTS_BACKOFF). Safe beside other passes and beside a
 * deletion's own attempt: claims are leases and every step is idempotent.
 */
export async function finishAccountDeletions(db: CommonQueryMethods, documents: AccountDocuments | null, options: FinishOptions = {}): Promise<FinishSummary> {
  const started = Date.now();
  const summary: FinishSummary = { enabled: documents !== null, claimed: 0, done: 0, failed: 0, durationMs: 0 };
  if (!documents) return summary;
  const { claimPendingDocumentDeletions } = await import('../db/pendingDocumentDeletions');
  const batchSize = options.batchSize ?? 20;
  const timeBudgetMs = options.timeBudgetMs ?? 200_000;
  for (;;) {
    if (Date.now() - started >= timeBudgetMs) break;
    const rows = await claimPendingDocumentDeletions(db, batchSize, options.leaseMs ?? 120_000);
    summary.claimed += rows.length;
    for (const row of rows) {
      try {
        await deleteDocumentsOnce(db, documents, row, 'finishAccountDeletions');
        summary.done++;
      } catch {
        summary.failed++;
      }
    }
    if (rows.length < batchSize) break;
  }
  summary.durationMs = Date.now() - started;
  return summary;
}

/** finishAccountDeletions: the scheduled job that makes the Firestore half of every deletion happen. */
export async function handleFinishAccountDeletions(): Promise<void> {
  // Loaded here, not at import: slonik and firebase-admin are heavy and every function loads index.js.
  const { accountDocuments, getRuntime } = await import('../runtime');
  const runtime = await getRuntime();
  const documents = await accountDocuments(runtime);
  if (!documents) {
    logs.pendingPassSkipped({ reason: 'no Firestore emulator host or credentials' });
    return;
  }
  const summary = await finishAccountDeletions(runtime.db.pool, documents);
  if (summary.claimed > 0) logs.pendingPassCompleted(summary);
}
