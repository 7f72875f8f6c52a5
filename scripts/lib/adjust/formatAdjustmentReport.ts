import type { StoredStreak } from '../../../functions/src/db/userStreaks';
import type { AdjustmentReport } from './adjustmentReport';

type Outcome = AdjustmentReport['outcomes'][number];

/** The streak values an adjustment moves, in the order an operator compares them. */
const SHOWN = ['currentStreak', 'longestStreak', 'qualifiedDaysCount', 'freezesAvailable', 'frozenDates', 'dayStartMinutes'] as const;
type Shown = (typeof SHOWN)[number];

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
    o.minutes === undefined ? null : `minutes ${o.minutes}`,
    o.effectiveFrom === undefined ? null : `from ${o.effectiveFrom}`,
    o.existingId === undefined ? null : `(by ${o.existingId})`,
  ].filter((part) => part !== null);
  const keys = SHOWN.filter((key) => relevant(o, key));
  const change = o.before === undefined && o.after === undefined ? '' : `: ${keys.map((key) => `${key} ${shown(o.before, key)} → ${shown(o.after, key)}`).join(', ')}`;
  return `${o.status} ${o.adjustmentId} ${subject.join(' ')}${change}`;
}

/**
 * The day start only where it is the point or it moved (a revoke of a change): every other line
 * would show the same minutes twice.
 */
function relevant(o: Outcome, key: Shown): boolean {
  if (key !== 'dayStartMinutes') return true;
  return o.kind === 'day-start' || shown(o.before, key) !== shown(o.after, key);
}

function shown(streak: StoredStreak | null | undefined, key: Shown): string {
  if (!streak) return '-';
  const value = streak[key];
  return Array.isArray(value) ? `[${value.join(' ')}]` : String(value);
}
