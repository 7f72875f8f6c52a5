import { z } from 'zod';
import { ADJUSTMENT_KINDS, countAdjustmentsByReason } from '../../../functions/src/db/streakAdjustments';
import type { StatusContext } from './statusContext';

export const adjustmentsSchema = z.object({
  /** Every streak adjustment recorded (grants, repairs, revocations): the migration's amnesty is counted here. */
  total: z.number().int().min(0),
  byReason: z.array(z.object({ kind: z.enum(ADJUSTMENT_KINDS), reason: z.string(), adjustments: z.number().int().min(0), users: z.number().int().min(0) })),
});
export type AdjustmentsStatus = z.infer<typeof adjustmentsSchema>;

export async function readAdjustments(ctx: StatusContext): Promise<AdjustmentsStatus> {
  const byReason = await countAdjustmentsByReason(ctx.db.pool);
  return { total: byReason.reduce((sum, r) => sum + r.adjustments, 0), byReason };
}
