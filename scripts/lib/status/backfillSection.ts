import { z } from 'zod';
import { recentRuns, type RunSummary } from '../../../functions/src/db/backfillRuns';
import { readStoredRunOptions } from '../backfill/storedRunOptions';
import { iso, isoOrNull, type StatusContext } from './statusContext';

/** A running run whose counts have not moved for this long is shown as stalled (a batch commits them every few seconds). */
export const STALLED_AFTER_MS = 10 * 60_000;
/** Runs listed: the latest ones, enough for a sharded run and its catch-up. */
export const RUNS_LISTED = 20;

export const runSchema = z.object({
  id: z.string(),
  kind: z.enum(['sessions', 'users', 'friendships']),
  status: z.enum(['running', 'completed', 'failed', 'interrupted']),
  /** The run group (Cloud Run Jobs execution) this run is one task of (null: a run on its own). */
  group: z.string().nullable(),
  /** `i/N` for one shard of N (null: unsharded). */
  shard: z.string().nullable(),
  source: z.string(),
  /** A catch-up run (`--since`): the field and instant it read from. */
  since: z.object({ field: z.string(), from: z.string() }).nullable(),
  counts: z.record(z.unknown()),
  /** Documents the source held when the run started (null: the source cannot tell). */
  total: z.number().nullable(),
  /** 0..1: documents read of the total, 1 once completed (null: unknown). */
  progress: z.number().min(0).max(1).nullable(),
  /** 'reading' the source, then 'rebuilding' streaks, then 'done'. */
  phase: z.enum(['reading', 'rebuilding', 'done']),
  startedAt: z.string(),
  lastProgressAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Running, with no progress for 10 minutes: its process is probably gone (resume it). */
  stalled: z.boolean(),
});
export const backfillSchema = z.object({ runs: z.array(runSchema) });
export type BackfillRunStatus = z.infer<typeof runSchema>;
export type BackfillStatus = z.infer<typeof backfillSchema>;

/** One run as the status shows it (pure: `nowMs` decides what is stalled). */
export function toRunStatus(run: RunSummary, nowMs: number): BackfillRunStatus {
  // A run whose options another version left in another shape is still listed, without its shard or --since.
  const options = readStoredRunOptions(run.options);
  const plan = options.ok ? options.options.plan : undefined;
  const shard = plan && plan.source.type !== 'file' ? plan.source.shard : undefined;
  const read = typeof run.counts.read === 'number' ? run.counts.read : 0;
  const done = run.status === 'completed';
  return {
    id: run.id,
    kind: run.kind,
    status: run.status,
    group: run.group,
    shard: shard && shard.count > 1 ? `${shard.index}/${shard.count}` : null,
    source: run.source,
    since: plan?.since ? { field: plan.since.field, from: iso(plan.since.fromMs) } : null,
    counts: run.counts as unknown as Record<string, unknown>,
    total: run.sourceTotal,
    progress: done ? 1 : run.sourceTotal ? Math.min(read / run.sourceTotal, 1) : run.sourceTotal === 0 ? 1 : null,
    phase: done ? 'done' : run.counts.sourceDone ? 'rebuilding' : 'reading',
    startedAt: iso(run.startedAtMs),
    lastProgressAt: iso(run.updatedAtMs),
    finishedAt: isoOrNull(run.finishedAtMs),
    stalled: run.status === 'running' && nowMs - run.updatedAtMs > STALLED_AFTER_MS,
  };
}

export async function readBackfill(ctx: StatusContext): Promise<BackfillStatus> {
  return { runs: (await recentRuns(ctx.db.pool, RUNS_LISTED)).map((r) => toRunStatus(r, ctx.nowMs)) };
}
