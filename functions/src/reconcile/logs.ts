import { logger } from 'firebase-functions/logger';
import { traced } from '../observability/traceContext';

const fn = 'reconcileLegacySessions';

// Catalogue of the reconcile pass's log lines: one name per event, one fixed message starting
// "reconcile:", structured fields. The same shape as bridge/, outbox/ and maintenance/.
export const logs = {
  ingestPass(counts: Record<string, number>, window: { from: string; to: string }): void {
    (counts.missing || counts.failed ? logger.warn : logger.info)('reconcile: legacy sessions checked against SQL', traced({ fn, ...counts, ...window }));
  },
  projectionPass(counts: Record<string, number>): void {
    (counts.behind || counts.different ? logger.warn : logger.info)('reconcile: projections compared with SQL', traced({ fn, ...counts }));
  },
  firestoreOff(): void {
    logger.warn('reconcile: Firestore is not configured here; no pass runs', traced({ fn }));
  },
  ingestFailed(f: { path: string; error: string }): void {
    logger.warn('reconcile: a missing legacy session could not be ingested; the next pass tries again', traced({ fn, ...f }));
  },
  backfillRejects(f: { reason: string; count: number; windowMinutes: number }): void {
    // One line per reason: the backfill-rejects metric sums `count` by `reason`.
    logger.warn('reconcile: backfill runs stored rejects', traced({ fn, ...f }));
  },
  backfillStalled(f: { runId: string; kind: string; idleMinutes: number }): void {
    logger.error('reconcile: backfill run stalled; resume it (`npm run backfill -- … --resume <run id>`)', traced({ fn, ...f }));
  },
  passFailed(error: unknown): void {
    logger.error('reconcile: pass failed', traced({ fn, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
  },
};
