import { z } from 'zod';
import { recordStatusSample, statusSamplesSince } from '../../../functions/src/db/statusSamples';
import { pendingSummary } from '../../../functions/src/db/streakOutbox';
import { HOURLY_DAYS } from './sessionsSection';
import { iso, isoOrNull, type StatusContext } from './statusContext';

export const outboxSchema = z.object({
  /** Streak versions waiting to be published (at most one per user). */
  pending: z.number().int().min(0),
  /** Age of the oldest of them (null: none pending). */
  oldestPendingSeconds: z.number().int().min(0).nullable(),
  /** When the oldest of them was written (null: none pending). */
  oldestPendingAt: z.string().nullable(),
  /** The backlog as the status and the reconcile pass saw it over the last 14 days, oldest first, now last. */
  history: z.array(z.object({ at: z.string(), pending: z.number().int().min(0), oldestPendingSeconds: z.number().int().nullable() })),
});
export type OutboxStatus = z.infer<typeof outboxSchema>;

export async function readOutbox(ctx: StatusContext): Promise<OutboxStatus> {
  const now = await pendingSummary(ctx.db.pool);
  const oldestPendingSeconds = now.oldestPendingSeconds === null ? null : Math.max(0, now.oldestPendingSeconds);
  if (ctx.writes) await recordStatusSample(ctx.db.pool, { outboxPending: now.pending, oldestPendingSeconds });
  const samples = await statusSamplesSince(ctx.db.pool, ctx.nowMs - HOURLY_DAYS * 24 * 3_600_000);
  const history = samples.map((s) => ({ at: iso(s.sampledAtMs), pending: s.outboxPending, oldestPendingSeconds: s.oldestPendingSeconds }));
  // The figure of now ends the series, whether or not it was stored as a sample.
  const last = history[history.length - 1];
  if (!last || last.pending !== now.pending || Date.parse(last.at) < ctx.nowMs - 60_000) {
    history.push({ at: iso(ctx.nowMs), pending: now.pending, oldestPendingSeconds });
  }
  return { pending: now.pending, oldestPendingSeconds, oldestPendingAt: isoOrNull(now.oldestPendingAtMs), history };
}
