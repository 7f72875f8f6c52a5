import { z } from 'zod';
import { mirrorSummary } from '../../../functions/src/db/legacyMirror';
import { sessionsArrivedBefore } from '../../../functions/src/db/sessionHours';
import { isoOrNull, type StatusContext } from './statusContext';

export const mirrorSchema = z.object({
  /** MIRROR_TO_LEGACY as the last mirrorLegacySessions run saw it (null: no run recorded yet). */
  enabled: z.boolean().nullable(),
  /** When a run last recorded it: older than a few minutes, the scheduled function is not running. */
  seenAt: z.string().nullable(),
  seenAgeSeconds: z.number().int().min(0).nullable(),
  /** Callable sessions not yet written to legacy sessions/{docId}. */
  pending: z.number().int().min(0),
  /** Of those, the ones whose write failed at least once (waiting out a backoff). */
  failing: z.number().int().min(0),
  /** How far legacy Firestore is behind SQL: the age of the oldest pending session, 0 when none is. */
  lagSeconds: z.number().int().min(0),
  /** When the oldest pending session was queued (null: none pending). */
  oldestPendingAt: z.string().nullable(),
  lastError: z.string().nullable(),
  /** From when on every callable session is queued for the mirror: an instant, `always`, or null while the mirror is off. */
  coveredSince: z.string().nullable(),
  /** At most this many callable sessions arrived before that (never queued: `npm run mirror` queues them). */
  uncovered: z.number().int().min(0),
  lastPass: z.object({ claimed: z.number(), written: z.number(), failed: z.number(), compensated: z.number() }).nullable(),
});
export type MirrorStatus = z.infer<typeof mirrorSchema>;

const secondsSince = (nowMs: number, ms: number | null) => (ms === null ? null : Math.max(0, Math.floor((nowMs - ms) / 1000)));

/** The reverse mirror: whether it is on, and what legacy Firestore still lacks. */
export async function readMirror(ctx: StatusContext): Promise<MirrorStatus> {
  const m = await mirrorSummary(ctx.db.pool);
  const covered = m.coveredSinceMs;
  const uncovered =
    covered === -Infinity ? 0 : await sessionsArrivedBefore(ctx.db.pool, 'callable', covered ?? ctx.nowMs);
  return {
    enabled: m.enabled,
    seenAt: isoOrNull(m.seenAtMs),
    seenAgeSeconds: secondsSince(ctx.nowMs, m.seenAtMs),
    pending: m.pending,
    failing: m.failing,
    lagSeconds: secondsSince(ctx.nowMs, m.oldestQueuedAtMs) ?? 0,
    oldestPendingAt: isoOrNull(m.oldestQueuedAtMs),
    lastError: m.lastError,
    coveredSince: covered === -Infinity ? 'always' : isoOrNull(covered),
    uncovered,
    lastPass: m.lastPass,
  };
}
