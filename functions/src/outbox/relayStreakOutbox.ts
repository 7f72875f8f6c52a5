import { logs } from './logs';
import { newTrace } from '../observability/trace';
import { runWithTrace } from '../observability/traceContext';
import type { RelaySummary } from './relayOutbox';

// Leaves headroom under the 60 s timeout (triggerOptions.ts) for the last batch's publishes and settle.
const TIME_BUDGET_MS = 40_000;

/** relayStreakOutbox: the scheduled safety net of the write path. */
export async function handleRelayStreakOutbox(): Promise<void> {
  await relayOutboxPass();
}

/**
 * One pass over the outbox with the instance's runtime: publishes what the accept could not
 * (Pub/Sub down, timeout, instance gone), logs a summary and the backlog (pending rows, the oldest one's
 * age: 0 when none). Overlapping passes are safe.
 */
export function relayOutboxPass(): Promise<RelaySummary> {
  // Each pass its own trace; a row it publishes logs under the row's (relayOutbox).
  return runWithTrace(newTrace(), async () => {
    // Loaded here, not at import: slonik and the Pub/Sub client are heavy and every function loads index.js.
    const [{ getRuntime }, { relayOutbox }, { pendingSummary }] = await Promise.all([import('../runtime'), import('./relayOutbox'), import('../db/streakOutbox')]);
    const { db, publisher } = await getRuntime();
    try {
      const summary = await relayOutbox(db.pool, publisher, { batchSize: 100, timeBudgetMs: TIME_BUDGET_MS });
      if (summary.enabled && summary.claimed > 0) logs.relayPassCompleted(summary);
      const { pending, oldestPendingSeconds } = await pendingSummary(db.pool);
      logs.backlogMeasured({ pending, oldestPendingSeconds: Math.max(0, oldestPendingSeconds ?? 0) });
      return summary;
    } catch (error) {
      logs.relayPassFailed(error);
      throw error;
    }
  });
}
