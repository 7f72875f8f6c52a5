import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { LegacySession, Reject } from '../../functions/src/legacy';

export interface SessionBatchOutcome {
  inserted: LegacySession[];
  duplicates: number;
  /** Sessions whose id is stored with other content: never overwritten. */
  conflicts: Reject[];
}

const storedRow = z.object({
  session_id: z.string(),
  user_id: z.string(),
  start_ms: z.coerce.number(),
  end_ms: z.coerce.number(),
  timezone: z.string(),
});
type StoredRow = z.infer<typeof storedRow>;

const iso = (ms: number) => new Date(ms).toISOString();
const columns = (sessions: readonly LegacySession[]) =>
  sql.unnest(
    sessions.map((s) => [s.sessionId, s.userId, iso(s.startMs), iso(s.endMs), s.timeZone]),
    ['text', 'text', 'timestamptz', 'timestamptz', 'text'],
  );

/**
 * One bulk insert of a batch (ids unique within it), ON CONFLICT DO NOTHING; rows that were not
 * inserted are compared with what is stored: same content is a duplicate, other content a conflict.
 */
export async function insertSessionBatch(tx: CommonQueryMethods, sessions: readonly LegacySession[]): Promise<SessionBatchOutcome> {
  if (sessions.length === 0) return { inserted: [], duplicates: 0, conflicts: [] };
  const userIds = [...new Set(sessions.map((s) => s.userId))];
  await tx.query(sql.unsafe`insert into users (id) select unnest(${sql.array(userIds, 'text')}) on conflict (id) do nothing`);
  const inserted = await tx.anyFirst(sql.type(z.object({ session_id: z.string() }))`
    insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source)
    select session_id, user_id, start_time, end_time, timezone, 'backfill'
    from ${columns(sessions)} as t(session_id, user_id, start_time, end_time, timezone)
    on conflict (session_id) do nothing
    returning session_id`);
  // Only the few rows that did not go in are read back and compared (a backfill is mostly new rows).
  const fresh = new Set(inserted);
  const blocked = sessions.filter((s) => !fresh.has(s.sessionId)).map((s) => s.sessionId);
  const stored = blocked.length === 0 ? [] : await readStored(tx, blocked);
  return classify(sessions, fresh, stored);
}

/** The dry-run twin: classifies against what is stored, writes nothing. */
export async function classifySessionBatch(db: CommonQueryMethods, sessions: readonly LegacySession[]): Promise<SessionBatchOutcome> {
  if (sessions.length === 0) return { inserted: [], duplicates: 0, conflicts: [] };
  const stored = await readStored(db, sessions.map((s) => s.sessionId));
  const known = new Set(stored.map((r) => r.session_id));
  return classify(sessions, new Set(sessions.map((s) => s.sessionId).filter((id) => !known.has(id))), stored);
}

async function readStored(db: CommonQueryMethods, ids: string[]): Promise<readonly StoredRow[]> {
  return db.any(sql.type(storedRow)`
    select session_id, user_id, accept_session_ms(start_time) as start_ms, accept_session_ms(end_time) as end_ms, timezone
    from focus_sessions where session_id = any (${sql.array(ids, 'text')})`);
}

/** Sessions in `inserted` went in; every other one is a duplicate of its stored row or a conflict. */
function classify(sessions: readonly LegacySession[], inserted: ReadonlySet<string>, stored: readonly StoredRow[]): SessionBatchOutcome {
  const storedById = new Map(stored.map((r) => [r.session_id, r]));
  const outcome: SessionBatchOutcome = { inserted: [], duplicates: 0, conflicts: [] };
  for (const session of sessions) {
    if (inserted.has(session.sessionId)) {
      outcome.inserted.push(session);
      continue;
    }
    const row = storedById.get(session.sessionId);
    if (row && sameContent(session, row)) outcome.duplicates += 1;
    else outcome.conflicts.push(conflictReject(session, row ? describeStored(row) : 'another session'));
  }
  return outcome;
}

function sameContent(s: LegacySession, r: StoredRow): boolean {
  return r.user_id === s.userId && r.start_ms === s.startMs && r.end_ms === s.endMs && r.timezone === s.timeZone;
}

const describeStored = (r: StoredRow) => `user ${r.user_id}, ${iso(r.start_ms)} – ${iso(r.end_ms)} ${r.timezone}`;

export function conflictReject(session: LegacySession, stored: string, raw?: unknown): Reject {
  return {
    path: session.path,
    reason: 'conflict',
    detail: `session ${session.sessionId} is already stored with other content (${stored})`,
    raw: raw ?? { userId: session.userId, startTime: iso(session.startMs), endTime: iso(session.endMs), timezone: session.timeZone },
  };
}
