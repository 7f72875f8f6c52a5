import { logs } from './logs';
import type { RelaySummary } from './relayOutbox';

// Leaves headroom under the 60 s timeout (triggerOptions.ts) for the last batch's publishes and settle.
const TIME_BUDGET_MS = 40_000;

/** relayStreakOutbox: the scheduled safety net of the write path. */
export async function handleRelayStreakOutbox(): Promise<void> {
  await relayOutboxPass();
}

/**
 * One pass over the outbox with the instance's runtime: publishes what the accept could not
 * (Pub/Sub down, timeout, instance gone) and logs a summary. Overlapping passes are safe.
 */
export async function relayOutboxPass(): Promise<RelaySummary> {
  // Loaded here, not at import: slonik and the Pub/Sub client are heavy and every function loads index.js.
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
