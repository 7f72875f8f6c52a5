import type { RunGroupRow } from '../../../functions/src/db/backfillRunGroups';
import type { BackfillKind, RunSummary } from '../../../functions/src/db/backfillRuns';
import { toRunStatus } from '../status/backfillSection';
import { readStoredRunOptions } from './storedRunOptions';

/** A run group (the tasks of one Cloud Run Jobs execution) added up: what `backfill -- summary --group` prints. */
export interface GroupSummary {
  group: string;
  kind: BackfillKind;
  /** 'completed' once every task completed and no user waits for the rebuild. */
  status: 'completed' | 'running' | 'needs attention';
  tasks: { expected: number; started: number; completed: number; running: number; stalled: number; failed: number; interrupted: number; notStarted: number };
  counts: { read: number; inserted: number; updated: number; duplicates: number; skipped: number; rejected: number; rejectsByReason: Record<string, number> };
  users: { affected: number; pendingRebuild: number; rebuilt: number; changed: number };
  rebuild: { by: string | null; state: 'waiting' | 'running' | 'done' | 'not needed' };
  /**
   * The instants the tasks reading Firestore read (--read-time, ISO), one entry per distinct value; null:
   * each read its own moment. An export or a file is one snapshot whoever reads it, and adds none.
   */
  readTimes: Array<string | null>;
  /** How the key space was cut: Firestore's partitions of the collection group, or id-prefix ranges. */
  ranges: 'partitions' | 'prefix';
  runs: Array<{ id: string; shard: string | null; status: string; stalled: boolean; read: number; inserted: number; lastProgressAt: string }>;
  warnings: string[];
}

/** What a run read from: Firestore at an instant (null: at its own start), or a snapshot it cannot vary (an export, a file). */
const readOf = (run: RunSummary): { firestore: number | null } | 'snapshot' => {
  const options = readStoredRunOptions(run.options);
  if (!options.ok) return { firestore: null };
  const { source } = options.options.plan;
  return source.type === 'firestore' ? { firestore: source.readTimeMs } : 'snapshot';
};

/** Adds up a group's runs (pure: `nowMs` decides what is stalled, by the status's rule). */
export function groupSummary(group: RunGroupRow, runs: readonly RunSummary[], users: { users: number; pending: number }, nowMs: number): GroupSummary {
  const statuses = runs.map((r) => toRunStatus(r, nowMs));
  const count = (pick: (s: (typeof statuses)[number]) => boolean) => statuses.filter(pick).length;
  const tasks = {
    expected: group.taskCount,
    started: runs.length,
    completed: count((s) => s.status === 'completed'),
    running: count((s) => s.status === 'running' && !s.stalled),
    stalled: count((s) => s.stalled),
    failed: count((s) => s.status === 'failed'),
    interrupted: count((s) => s.status === 'interrupted'),
    notStarted: Math.max(group.taskCount - runs.length, 0),
  };
  const counts = { read: 0, inserted: 0, updated: 0, duplicates: 0, skipped: 0, rejected: 0, rejectsByReason: {} as Record<string, number> };
  let rebuilt = 0;
  let changed = 0;
  for (const r of runs) {
    for (const key of ['read', 'inserted', 'updated', 'duplicates', 'skipped', 'rejected'] as const) counts[key] += r.counts[key];
    for (const [reason, n] of Object.entries(r.counts.rejectsByReason)) counts.rejectsByReason[reason] = (counts.rejectsByReason[reason] ?? 0) + n;
    rebuilt += r.counts.usersRebuilt;
    changed += r.counts.usersChanged;
  }
  const rebuilder = runs.find((r) => r.id === group.rebuilder);
  const rebuildState = group.kind !== 'sessions' ? 'not needed' : group.rebuilder === null ? 'waiting' : users.pending === 0 && rebuilder?.status === 'completed' ? 'done' : 'running';
  const reads = runs.map(readOf);
  const readTimes = [...new Set(reads.flatMap((r) => (r === 'snapshot' ? [] : [r.firestore])))].map((ms) => (ms === null ? null : new Date(ms).toISOString()));

  const warnings: string[] = [];
  if (reads.filter((r) => r !== 'snapshot').length > 1 && (readTimes.length > 1 || readTimes[0] === null)) {
    warnings.push(`the tasks read different moments (${readTimes.map((t) => t ?? 'each its own start').join(', ')}): a document changed meanwhile may be seen by one task and not another; execute with the same --read-time for every task`);
  }
  for (const s of statuses.filter((s) => s.status === 'failed' || s.status === 'interrupted' || s.stalled)) {
    warnings.push(`task run ${s.id} is ${s.stalled ? 'stalled' : s.status}: once the engine's retries are used up, continue it with npm run backfill -- ${group.kind} --resume ${s.id}`);
  }
  if (rebuilder && rebuilder.status !== 'running' && rebuilder.status !== 'completed') {
    warnings.push(`the rebuild of the group's users was claimed by ${rebuilder.id}, which is ${rebuilder.status}: ${users.pending} users wait until it is resumed`);
  }
  const done = tasks.completed === group.taskCount && (rebuildState === 'done' || rebuildState === 'not needed');
  const attention = tasks.failed + tasks.interrupted + tasks.stalled > 0;
  return {
    group: group.id,
    kind: group.kind,
    status: done ? 'completed' : attention ? 'needs attention' : 'running',
    tasks,
    counts,
    users: { affected: users.users, pendingRebuild: users.pending, rebuilt, changed },
    rebuild: { by: group.rebuilder, state: rebuildState },
    readTimes,
    ranges: group.ranges === null ? 'prefix' : 'partitions',
    runs: statuses.map((s) => ({ id: s.id, shard: s.shard, status: s.status, stalled: s.stalled, read: runs.find((r) => r.id === s.id)!.counts.read, inserted: runs.find((r) => r.id === s.id)!.counts.inserted, lastProgressAt: s.lastProgressAt })),
    warnings,
  };
}

const n = (x: number) => x.toLocaleString('en-US');

/** The group summary for a person; `--json` prints the object itself. */
export function formatGroupSummary(s: GroupSummary): string {
  const t = s.tasks;
  const lines = [
    `run group ${s.group}: backfill ${s.kind}, ${s.status}`,
    `  tasks         ${t.completed}/${t.expected} completed, ${t.running} running, ${t.stalled} stalled, ${t.failed} failed, ${t.interrupted} interrupted, ${t.notStarted} not started`,
    `  key ranges    ${s.ranges === 'partitions' ? "Firestore's partitions of the collection group" : 'document-id prefix ranges'}`,
    `  read          ${n(s.counts.read)} documents`,
    `  inserted      ${n(s.counts.inserted)}`,
    `  duplicates    ${n(s.counts.duplicates)}`,
    `  skipped       ${n(s.counts.skipped)}`,
    `  rejected      ${n(s.counts.rejected)}`,
    ...Object.entries(s.counts.rejectsByReason)
      .sort(([, a], [, b]) => b - a)
      .map(([reason, count]) => `    ${reason.padEnd(20)} ${n(count)}`),
  ];
  if (s.kind === 'sessions') {
    lines.push(`  users affected ${n(s.users.affected)}, rebuilt ${n(s.users.rebuilt)}, streaks changed ${n(s.users.changed)}`);
    lines.push(`  rebuild       ${s.rebuild.state}${s.rebuild.by ? ` (by ${s.rebuild.by})` : ''}; ${n(s.users.pendingRebuild)} users still need it`);
  }
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}
