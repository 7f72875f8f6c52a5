import { logger } from 'firebase-functions/logger';
import { traced } from '../observability/traceContext';

const fn = 'bridgeLegacySession';

// Catalogue of the legacy bridge's log lines: one name per event, one fixed message starting
// "bridge:", structured fields. The same shape as callables/, outbox/ and projection/.
export const logs = {
  accepted(f: { sessionId: string; userId: string; duplicate: boolean }): void {
    logger.info(f.duplicate ? 'bridge: legacy session already stored' : 'bridge: legacy session accepted', traced({ fn, ...f }));
  },
  rejected(f: { path: string; reason: string; detail: string }): void {
    logger.warn('bridge: legacy session rejected', traced({ fn, ...f }));
  },
  mirrorIgnored(f: { path: string }): void {
    logger.debug('bridge: mirror of a callable session, not ingested', traced({ fn, ...f }));
  },
  retrying(f: { path: string; error: string }): void {
    logger.warn('bridge: database unavailable, the event will be retried', traced({ fn, ...f }));
  },
  dropped(f: { path: string; error: string; ageMs: number }): void {
    logger.error('bridge: event dropped; catch up with `npm run backfill -- sessions --since`', traced({ fn, ...f }));
  },
};
