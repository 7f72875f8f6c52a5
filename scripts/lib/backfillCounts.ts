/** What a backfill run did so far; stored in backfill_runs.counts after every batch. */
export interface BackfillCounts {
  read: number;
  inserted: number;
  /** Users backfill: existing users whose empty zone was filled. */
  updated: number;
  duplicates: number;
  rejected: number;
  /** Documents of other collections, or older than --since. */
  skipped: number;
  rejectsByReason: Record<string, number>;
  usersRebuilt: number;
  usersChanged: number;
  /** The source was read to its end; only the closing rebuild may remain. */
  sourceDone: boolean;
}

export function emptyCounts(): BackfillCounts {
  return { read: 0, inserted: 0, updated: 0, duplicates: 0, rejected: 0, skipped: 0, rejectsByReason: {}, usersRebuilt: 0, usersChanged: 0, sourceDone: false };
}
