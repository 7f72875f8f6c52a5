import type { BackfillPlan, StoredRunOptions } from '../../lib/backfill/storedRunOptions';

/** backfill_runs.options as the backfill command stores them: a whole plan (defaults of `npm run backfill -- sessions`), with `plan` overriding. */
export function storedOptions(plan: Partial<BackfillPlan> = {}, rest: Partial<Omit<StoredRunOptions, 'plan'>> = {}): StoredRunOptions {
  return {
    plan: {
      kind: 'sessions',
      source: { type: 'firestore', readTimeMs: null, shard: { index: 0, count: 1 }, partitions: 1 },
      collection: plan.kind === 'friendships' ? 'users' : (plan.kind ?? 'sessions'),
      group: false,
      groupParent: 'users',
      batchSize: 5000,
      since: null,
      defaultTimeZone: null,
      project: true,
      rebuildChunkSize: 5000,
      ...plan,
    },
    fingerprint: {},
    report: null,
    rejects: null,
    ...rest,
  };
}
