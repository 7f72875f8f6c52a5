import { logger } from 'firebase-functions/logger';

// One named function per event, so bridge log lines are consistent and greppable.
export const logs = {
  accepted: (f: { sessionId: string; userId: string; duplicate: boolean }) =>
    logger.info(f.duplicate ? 'bridge: legacy session already stored' : 'bridge: legacy session accepted', { fn: 'bridgeLegacySession', ...f }),
  rejected: (f: { path: string; reason: string; detail: string }) => logger.warn('bridge: legacy session rejected', { fn: 'bridgeLegacySession', ...f }),
  retrying: (f: { path: string; error: string }) => logger.warn('bridge: database unavailable, the event will be retried', { fn: 'bridgeLegacySession', ...f }),
  dropped: (f: { path: string; error: string; ageMs: number }) =>
    logger.error('bridge: event dropped; catch up with `npm run backfill -- sessions --since`', { fn: 'bridgeLegacySession', ...f }),
};
