import { z } from 'zod';
import { bridgeRejectsByReason } from '../../../functions/src/db/backfillRejects';
import type { StatusContext } from './statusContext';

export const rejectsSchema = z.object({
  /** The bridge's rejects (legacy documents it refused) of the last 24 hours, by reason. */
  last24h: z.record(z.number().int().min(0)),
});
export type RejectsStatus = z.infer<typeof rejectsSchema>;

export async function readRejects(ctx: StatusContext): Promise<RejectsStatus> {
  return { last24h: await bridgeRejectsByReason(ctx.db.pool, 24) };
}
