import type { CommonQueryMethods } from 'slonik';
import { sameSessionContent } from '../../../functions/src/accept/sameSessionContent';
import { insertBackfillSessions, sessionKeyOf, storedSessions, type SessionRow } from '../../../functions/src/db/focusSessions';
import { ensureUsers } from '../../../functions/src/db/users';
import type { LegacySession, Reject } from '../../../functions/src/legacy';

export interface SessionBatchOutcome {
  inserted: LegacySession[];
  duplicates: number;
  /** Sessions whose id is stored for the same user with other content: never overwritten. */
  conflicts: Reject[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One bulk insert of a batch ((user, id) keys unique within it), ON CONFLICT DO NOTHING; rows that
 * were not inserted are compared with what is stored: same content is a duplicate, other content a
 * conflict. Ids are per user: the same id of two users is two sessions, both inserted.
 */
export async function insertSessionBatch(tx: CommonQueryMethods, sessions: readonly LegacySession[]): Promise<SessionBatchOutcome> {
  if (sessions.length === 0) return { inserted: [], duplicates: 0, conflicts: [] };
  await ensureUsers(tx, [...new Set(sessions.map((s) => s.userId))]);
  const fresh = new Set((await insertBackfillSessions(tx, sessions)).map(sessionKeyOf));
  // Only the few rows that did not go in are read back and compared (a backfill is mostly new rows).
  const stored = await storedSessions(tx, sessions.filter((s) => !fresh.has(sessionKeyOf(s))));
  return classify(sessions, fresh, stored);
}

/** The dry-run twin: classifies against what is stored, writes nothing. */
export async function classifySessionBatch(db: CommonQueryMethods, sessions: readonly LegacySession[]): Promise<SessionBatchOutcome> {
  if (sessions.length === 0) return { inserted: [], duplicates: 0, conflicts: [] };
  const stored = await storedSessions(db, sessions);
  const known = new Set(stored.map(sessionKeyOf));
  return classify(sessions, new Set(sessions.map(sessionKeyOf).filter((key) => !known.has(key))), stored);
}

/** Sessions in `inserted` went in; every other one is a duplicate of its stored row or a conflict. */
function classify(sessions: readonly LegacySession[], inserted: ReadonlySet<string>, stored: readonly SessionRow[]): SessionBatchOutcome {
  const storedByKey = new Map(stored.map((r) => [sessionKeyOf(r), r]));
  const outcome: SessionBatchOutcome = { inserted: [], duplicates: 0, conflicts: [] };
  for (const session of sessions) {
    const key = sessionKeyOf(session);
    if (inserted.has(key)) {
      outcome.inserted.push(session);
      continue;
    }
    const row = storedByKey.get(key);
    if (row && sameSessionContent(session, row)) outcome.duplicates += 1;
    else outcome.conflicts.push(conflictReject(session, row ? describeStored(row) : 'another session'));
  }
  return outcome;
}

const describeStored = (r: SessionRow) => `${iso(r.startMs)} – ${iso(r.endMs)} ${r.timeZone}`;

export function conflictReject(session: LegacySession, stored: string, raw?: unknown): Reject {
  return {
    path: session.path,
    reason: 'conflict',
    detail: `session ${session.sessionId} is already stored with other content (${stored})`,
    raw: raw ?? { userId: session.userId, startTime: iso(session.startMs), endTime: iso(session.endMs), timezone: session.timeZone },
  };
}
