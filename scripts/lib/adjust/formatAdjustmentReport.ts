import type { StoredStreak } from '../../../functions/src/db/userStreaks';
import type { AdjustmentReport } from './adjustmentReport';

type Outcome = AdjustmentReport['outcomes'][number];

/** The streak values an adjustment moves, in the order an operator compares them. */
const SHOWN = ['currentStreak', 'longestStreak', 'qualifiedDaysCount', 'freezesAvailable', 'frozenDates'] as const;

/** The human output: one line per outcome, then the summary (and where the projection goes from here). */
export function formatAdjustmentReport(report: AdjustmentReport): string[] {
  const lines = report.outcomes.map(formatOutcome);
  const counts = Object.entries(report.counts).map(([status, n]) => `${n} ${status}`);
  const total = report.outcomes.length;
  const streaks = `${report.changed} streak${report.changed === 1 ? '' : 's'} ${report.dryRun ? 'would change' : 'changed'}`;
  lines.push(
    `${report.dryRun ? 'DRY RUN, rolled back: ' : ''}${total} adjustment${total === 1 ? '' : 's'}: ${counts.join(', ') || 'none'}; ${streaks}` +
      (report.problems.length > 0 ? `; ${report.problems.length} failed (see stderr)` : ''),
  );
  if (!report.dryRun && report.changed > 0) {
    lines.push('their new versions wait in the outbox: the scheduled relay (relayStreakOutbox) publishes them to the Firestore projection (npm run status shows what is pending)');
  }
  return lines;
}

function formatOutcome(o: Outcome): string {
  const subject = [
    o.line === undefined ? null : `line ${o.line}`,
    o.userId === null ? null : `user ${o.userId}`,
    o.revokes === undefined ? null : `revokes ${o.revokes}`,
    o.existingId === undefined ? null : `(by ${o.existingId})`,
  ].filter((part) => part !== null);
  const change = o.before === undefined && o.after === undefined ? '' : `: ${SHOWN.map((key) => `${key} ${shown(o.before, key)} → ${shown(o.after, key)}`).join(', ')}`;
  return `${o.status} ${o.adjustmentId} ${subject.join(' ')}${change}`;
}

function shown(streak: StoredStreak | null | undefined, key: (typeof SHOWN)[number]): string {
  if (!streak) return '-';
  const value = streak[key];
  return Array.isArray(value) ? `[${value.join(' ')}]` : String(value);
}
