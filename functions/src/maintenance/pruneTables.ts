import type { CommonQueryMethods } from 'slonik';
import { logs } from './logs';

export interface PruneOptions {
  retentionDays: number;
  /** Rows deleted per statement: each batch commits on its own and holds its locks briefly. */
  batchSize?: number;
  /** Stop starting new batches after this long (keep below the function timeout); the next run goes on. */
  timeBudgetMs?: number;
}

export interface PruneSummary {
  outboxRows: number;
  rejects: number;
  /** Reverse-mirror rows whose documents were written (they stay in Firestore). */
  mirrorRows: number;
  /** Rate-limit buckets idle for a day (IDLE_BUCKET_HOURS). */
  rateLimits: number;
  /** False when the time budget ran out with rows left to delete. */
  complete: boolean;
  durationMs: number;
}

// Leaves headroom under the 540 s timeout (triggerOptions.ts) for the last batch.
const TIME_BUDGET_MS = 400_000;

/**
 * Deletes outbox rows published or superseded, backfill rejects recorded and reverse-mirror rows
 * written more than `retentionDays` ago, in bounded batches, then rate-limit buckets idle for a day. Pending outbox
 * and mirror rows are kept whatever their age.
 */
export async function pruneTables(db: CommonQueryMethods, options: PruneOptions): Promise<PruneSummary> {
  const [{ pruneSettledRows }, { pruneRejects }, { pruneMirroredRows }, { pruneIdleRateLimits }] = await Promise.all([
    import('../db/streakOutbox'),
    import('../db/backfillRejects'),
    import('../db/legacyMirror'),
    import('../db/rateLimits'),
  ]);
  const batchSize = options.batchSize ?? 1000;
  const timeBudgetMs = options.timeBudgetMs ?? TIME_BUDGET_MS;
  const started = Date.now();
  const summary: PruneSummary = { outboxRows: 0, rejects: 0, mirrorRows: 0, rateLimits: 0, complete: true, durationMs: 0 };
  const tables: Array<[keyof Pick<PruneSummary, 'outboxRows' | 'rejects' | 'mirrorRows'>, (db: CommonQueryMethods, days: number, limit: number) => Promise<number>]> = [
    ['outboxRows', pruneSettledRows],
    ['rejects', pruneRejects],
    ['mirrorRows', pruneMirroredRows],
  ];
  for (const [key, prune] of tables) {
    for (;;) {
      if (Date.now() - started >= timeBudgetMs) {
        summary.complete = false;
        break;
      }
      const deleted = await prune(db, options.retentionDays, batchSize);
      summary[key] += deleted;
      if (deleted < batchSize) break;
    }
  }
  if (Date.now() - started < timeBudgetMs) summary.rateLimits = await pruneIdleRateLimits(db);
  else summary.complete = false;
  summary.durationMs = Date.now() - started;
  return summary;
}

/** pruneTables: the daily job that keeps the outbox, the rejects and the rate-limit buckets from only growing. */
export async function handlePruneTables(): Promise<void> {
  // Loaded here, not at import: slonik is heavy and every function loads index.js.
  const { getRuntime } = await import('../runtime');
  const { db, config } = await getRuntime();
  try {
    logs.pruneCompleted(await pruneTables(db.pool, { retentionDays: config.retentionDays }));
  } catch (error) {
    logs.pruneFailed(error);
    throw error;
  }
}
