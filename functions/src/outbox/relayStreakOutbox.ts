import { onSchedule } from 'firebase-functions/scheduler';
import { params } from '../config';
import { logs } from './logs';
import type { RelaySummary } from './relayOutbox';

// Leaves headroom under the 60 s timeout for the last batch's publishes and settle.
const TIME_BUDGET_MS = 40_000;

/**
 * Scheduled safety net of DESIGN §5: publishes what the write path could not (Pub/Sub down,
 * timeout, instance gone). Overlapping runs are safe, so no instance limit is needed for correctness.
 */
export async function handleRelayStreakOutbox(): Promise<RelaySummary> {
  // Loaded here, not at import: slonik and the Pub/Sub client are heavy (DESIGN §10).
  const [{ getRuntime }, { relayOutbox }] = await Promise.all([import('../runtime'), import('./relayOutbox')]);
  const { db, publisher } = await getRuntime();
  try {
    const summary = await relayOutbox(db.pool, publisher, { batchSize: 100, timeBudgetMs: TIME_BUDGET_MS });
    if (summary.enabled && summary.claimed > 0) logs.relayPassCompleted(summary);
    return summary;
  } catch (error) {
    logs.relayPassFailed(error);
    throw error;
  }
}

export const relayStreakOutbox = onSchedule(
  { schedule: 'every 1 minutes', region: params.region, timeoutSeconds: 60, retryCount: 0, maxInstances: 1 },
  async () => {
    await handleRelayStreakOutbox();
  },
);
