import { logger } from 'firebase-functions/logger';
import { traced } from '../observability/traceContext';

// Catalogue of the maintenance log lines: one name per event, one fixed message starting
// "maintenance:", structured fields. The same shape as callables/, outbox/, projection/ and bridge/.
export const logs = {
  pruneCompleted(summary: object): void {
    logger.info('maintenance: tables pruned', traced({ ...summary }));
  },
  pruneFailed(error: unknown): void {
    logger.error('maintenance: pruning failed', traced({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
  },
};
