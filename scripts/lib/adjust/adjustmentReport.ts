import type { AdjustmentKind, AdjustmentOutcome } from '../../../functions/src/db/streakAdjustments';
import type { AppliedAdjustment } from './applyAdjustments';

type Status = AdjustmentOutcome['status'];

/** Outcomes that leave the adjustment not in place: the run fails (exit 1), one stderr line each. */
const FAILED: ReadonlySet<Status> = new Set(['conflict', 'unknown_target', 'not_revocable', 'account_deleted']);

/** Everything a run did, as --json prints it. */
export interface AdjustmentReport {
  command: AdjustmentKind;
  dryRun: boolean;
  /** Every adjustment applied or already in place. */
  ok: boolean;
  counts: Partial<Record<Status, number>>;
  /** Streaks whose version moved: each queued one outbox row (none kept in a dry run). */
  changed: number;
  /** A day-start change's outcome also says the minutes asked for; effectiveFrom is the database's. */
  outcomes: Array<AdjustmentOutcome & { kind: AdjustmentKind; revokes?: string; minutes?: number; line?: number }>;
  problems: string[];
  /** Worth a look, not a failure: an applied adjustment for a user with no streak yet (a mistyped uid makes a new user). */
  notes: string[];
}

export function adjustmentReport(command: AdjustmentKind, dryRun: boolean, applied: readonly AppliedAdjustment[]): AdjustmentReport {
  const counts: Partial<Record<Status, number>> = {};
  const problems: string[] = [];
  const notes: string[] = [];
  let changed = 0;
  for (const { adjustment, outcome, line } of applied) {
    counts[outcome.status] = (counts[outcome.status] ?? 0) + 1;
    const where = line === undefined ? '' : `line ${line}: `;
    if (FAILED.has(outcome.status)) problems.push(`${where}${problemOf(outcome, adjustment.kind === 'revoke' ? adjustment.revokes : null)}`);
    if (outcome.status === 'applied' && (outcome.before?.version ?? null) !== (outcome.after?.version ?? null)) changed++;
    if (outcome.status === 'applied' && !outcome.before) notes.push(`${where}user ${outcome.userId} had no streak before this adjustment: check the uid if they should have had one`);
  }
  const outcomes = applied.map(({ adjustment, outcome, line }) => ({
    ...outcome,
    kind: adjustment.kind,
    ...(adjustment.kind === 'revoke' ? { revokes: adjustment.revokes } : {}),
    ...(adjustment.kind === 'day-start' ? { minutes: adjustment.minutes } : {}),
    ...(line === undefined ? {} : { line }),
  }));
  return { command, dryRun, ok: problems.length === 0, counts, changed, outcomes, problems, notes };
}

function problemOf(outcome: AdjustmentOutcome, revokes: string | null): string {
  switch (outcome.status) {
    case 'conflict':
      return `conflict: adjustment ${outcome.adjustmentId} is already recorded with other content (user, kind, date, count, minutes or reason); give another --id`;
    case 'unknown_target':
      return `unknown_target: there is no adjustment ${revokes} to revoke`;
    case 'not_revocable':
      return `not_revocable: ${revokes} is itself a revoke; to undo it, record the grant or repair again under a new --id`;
    default:
      return `account_deleted: the account of user ${outcome.userId} is deleted; nothing is recorded for it`;
  }
}
