import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { applyAdjustment, type AdjustmentOutcome, type AdjustmentRules } from '../../../functions/src/db/streakAdjustments';
import type { PlannedAdjustment } from './plannedAdjustments';

export interface AppliedAdjustment extends PlannedAdjustment {
  outcome: AdjustmentOutcome;
}

class RollBack extends Error {}

/**
 * Applies the adjustments in order. A real run commits each one by itself (each is one statement that
 * takes only its user's lock, and a rerun after a failure counts the committed ones as duplicates), so
 * a long file never holds many users' locks against their accepts. A dry run applies them all in one
 * transaction, so a later line sees an earlier one as a real run would, and rolls it back.
 */
export async function applyAdjustments(pool: DatabasePool, planned: readonly PlannedAdjustment[], rules: AdjustmentRules, dryRun: boolean): Promise<AppliedAdjustment[]> {
  const applyAll = async (db: CommonQueryMethods) => {
    const applied: AppliedAdjustment[] = [];
    for (const p of planned) applied.push({ ...p, outcome: await applyAdjustment(db, p.adjustment, rules) });
    return applied;
  };
  if (!dryRun) return applyAll(pool);
  let applied: AppliedAdjustment[] = [];
  await pool
    .transaction(async (tx) => {
      applied = await applyAll(tx);
      throw new RollBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RollBack)) throw error;
    });
  return applied;
}
