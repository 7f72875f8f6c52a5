import type { BackfillCounts } from '../../../functions/src/db/backfillRuns';

export interface BackfillReport {
  runId: string | null;
  kind: 'sessions' | 'users' | 'friendships';
  source: string;
  dryRun: boolean;
  status: 'completed' | 'failed' | 'interrupted';
  counts: BackfillCounts;
  usersAffected: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  docsPerSecond: number;
}

const n = (x: number) => x.toLocaleString('en-US');

/** The end-of-run summary for a person; the JSON report carries the same facts for programs. */
export function formatSummary(r: BackfillReport): string {
  const c = r.counts;
  const verb = r.dryRun ? 'would insert' : 'inserted';
  const lines = [
    `${r.dryRun ? 'DRY RUN (nothing written): ' : ''}backfill ${r.kind} ${r.status}${r.runId ? ` (run ${r.runId})` : ''}`,
    `  source        ${r.source}`,
    `  read          ${n(c.read)} documents in ${(r.durationMs / 1000).toFixed(1)} s (${n(Math.round(r.docsPerSecond))} docs/s)`,
    ...(r.kind === 'friendships'
      ? [`  ${(r.dryRun ? 'would request' : 'requested').padEnd(13)} ${n(c.inserted)} (one-sided listings: pending requests)`, `  ${(r.dryRun ? 'would befriend' : 'befriended').padEnd(13)} ${n(c.updated)} (listings that made mutual friends)`]
      : [`  ${verb.padEnd(13)} ${n(c.inserted)}`]),
    ...(r.kind === 'users' ? [`  zone filled   ${n(c.updated)}`] : []),
    `  duplicates    ${n(c.duplicates)}`,
    `  skipped       ${n(c.skipped)} (other collections${r.kind === 'friendships' ? ', users without friends' : c.skipped ? ' or before --since' : ''})`,
    `  rejected      ${n(c.rejected)}`,
    ...Object.entries(c.rejectsByReason)
      .sort(([, a], [, b]) => b - a)
      .map(([reason, count]) => `    ${reason.padEnd(20)} ${n(count)}`),
  ];
  if (r.kind === 'sessions') {
    lines.push(`  users affected ${n(r.usersAffected)}`);
    if (!r.dryRun) lines.push(`  users rebuilt ${n(c.usersRebuilt)}, streaks changed ${n(c.usersChanged)}`);
  }
  return lines.join('\n');
}
