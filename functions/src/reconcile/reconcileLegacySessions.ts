import type { Runtime } from '../runtime';
import { isPassDue } from './isPassDue';
import type { LegacySessionWindow } from './legacySessionWindow';
import type { StreakProjections } from './streakProjections';
import { logs } from './logs';
import { newTrace } from '../observability/trace';
import { runWithTrace } from '../observability/traceContext';

// Leaves headroom under the 300 s timeout (triggerOptions.ts) for the projection pass and the bookkeeping.
const INGEST_BUDGET_MS = 200_000;

export interface ReconcileSources {
  legacy: LegacySessionWindow;
  projections: StreakProjections;
}

export interface ReconcileSummary {
  ran: boolean;
  ingest?: Record<string, number>;
  projection?: Record<string, number>;
}

/**
 * reconcileLegacySessions: Cloud Scheduler calls it every minute; on the minutes RECONCILE_EVERY_MINUTES
 * picks (never when 0) it runs one pass of each kind and records both in SQL, where `npm run status` shows them.
 */
export function handleReconcileLegacySessions(event: { scheduleTime?: string }): Promise<void> {
  // Each pass its own trace; a legacy session it ingests writes its outbox row under it.
  return runWithTrace(newTrace(), () => reconcileTick(event));
}

async function reconcileTick(event: { scheduleTime?: string }): Promise<void> {
  const { getRuntime } = await import('../runtime');
  const runtime = await getRuntime();
  const scheduleTimeMs = event.scheduleTime ? Date.parse(event.scheduleTime) : runtime.now();
  if (!isPassDue(scheduleTimeMs, runtime.config.reconcile.everyMinutes)) return;
  if (!runtime.config.google.firestore) return logs.firestoreOff();
  const { firestoreReconcileSources } = await import('../firebase/reconcileSources');
  try {
    await reconcilePass(runtime, await firestoreReconcileSources(runtime.config));
  } catch (error) {
    logs.passFailed(error);
    throw error;
  }
}

/** One pass of each kind against these sources, each recorded as it ends; the hourly rollup and an outbox sample are kept on the way. */
export async function reconcilePass(runtime: Runtime, sources: ReconcileSources): Promise<ReconcileSummary> {
  const [{ latestParityPasses, recordParityPass }, { ingestLegacySession }, { checkIngestParity }, { checkProjectionParity }] = await Promise.all([
    import('../db/parityPasses'),
    import('../ingest/ingestLegacySession'),
    import('./checkIngestParity'),
    import('./checkProjectionParity'),
  ]);
  const { pool } = runtime.db;
  const { reconcile, retentionDays } = runtime.config;

  const [previousIngest] = await latestParityPasses(pool, 'ingest');
  const ingest = await checkIngestParity(runtime, sources.legacy, {
    previousWindowToMs: previousIngest?.windowToMs ?? null,
    marginMs: reconcile.marginMinutes * 60_000,
    settleMs: reconcile.settleSeconds * 1000,
    timeBudgetMs: INGEST_BUDGET_MS,
    ingest: (rt, legacy) => ingestLegacySession(rt, legacy),
  });
  await recordParityPass(pool, ingest, retentionDays);
  logs.ingestPass(ingest.counts, { from: new Date(ingest.windowFromMs!).toISOString(), to: new Date(ingest.windowToMs!).toISOString() });

  const projection = await checkProjectionParity(runtime, sources.projections, {
    previous: await latestParityPasses(pool, 'projection', 2),
    sampleUsers: reconcile.sampleUsers,
    lagMs: reconcile.projectionLagSeconds * 1000,
  });
  await recordParityPass(pool, projection, retentionDays);
  logs.projectionPass(projection.counts);

  await keepStatusRollups(runtime);
  await watchBackfill(runtime);
  return { ran: true, ingest: ingest.counts, projection: projection.counts };
}

/** A running backfill run without progress for this long is stalled (a batch commits its counts every few seconds). */
export const BACKFILL_STALLED_AFTER_MS = 10 * 60_000;

/**
 * Backfill runs execute outside the functions (an operator's machine, a job), where their output may never
 * reach Cloud Logging: the pass reports from SQL what the backfill metrics count, the rejects runs stored
 * since the previous pass (by reason) and each running run with no progress for 10 minutes.
 */
async function watchBackfill(runtime: Runtime): Promise<void> {
  const [{ runRejectsByReason }, { recentRuns }] = await Promise.all([import('../db/backfillRejects'), import('../db/backfillRuns')]);
  const windowMinutes = Math.max(1, runtime.config.reconcile.everyMinutes);
  for (const [reason, count] of Object.entries(await runRejectsByReason(runtime.db.pool, windowMinutes))) logs.backfillRejects({ reason, count, windowMinutes });
  const nowMs = runtime.now();
  for (const run of await recentRuns(runtime.db.pool, 20)) {
    const idleMs = nowMs - run.updatedAtMs;
    if (run.status === 'running' && idleMs > BACKFILL_STALLED_AFTER_MS) logs.backfillStalled({ runId: run.id, kind: run.kind, idleMinutes: Math.floor(idleMs / 60_000) });
  }
}

/** The status's hourly session counts and outbox samples stay current while nobody runs the status. */
async function keepStatusRollups(runtime: Runtime): Promise<void> {
  const [{ rollUpSessionHours }, { recordStatusSample }, { pendingSummary }] = await Promise.all([import('../db/sessionHours'), import('../db/statusSamples'), import('../db/streakOutbox')]);
  await rollUpSessionHours(runtime.db.pool);
  const { pending, oldestPendingSeconds } = await pendingSummary(runtime.db.pool);
  await recordStatusSample(runtime.db.pool, { outboxPending: pending, oldestPendingSeconds: oldestPendingSeconds === null ? null : Math.max(0, oldestPendingSeconds) });
}
