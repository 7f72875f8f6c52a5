import type { LegacySession, Reject } from '../legacy';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The one reject of a legacy session whose id is stored (or earlier in the batch) with other content:
 * never overwritten. `stored` describes the other copy where the caller knows it. Shared by the
 * bridge, the reconcile pass and the sessions backfill; the raw document defaults to what was parsed.
 */
export function conflictReject(session: LegacySession, stored: string | null, raw?: unknown): Reject {
  return {
    path: session.path,
    reason: 'conflict',
    detail: `session ${session.sessionId} is already stored with other content${stored === null ? '' : ` (${stored})`}`,
    raw: raw ?? { userId: session.userId, startTime: iso(session.startMs), endTime: iso(session.endMs), timezone: session.timeZone },
  };
}
