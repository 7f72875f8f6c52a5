import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

/**
 * The focus_sessions reads and writes of the migration toolkit (the accept path has its own, in
 * one statement with the rest of the write: acceptQueries).
 */

export interface SessionRow {
  sessionId: string;
  userId: string;
  startMs: number;
  endMs: number;
  timeZone: string;
}

const storedRow = z.object({
  sessionId: z.string(),
  userId: z.string(),
  startMs: z.coerce.number(),
  endMs: z.coerce.number(),
  timeZone: z.string(),
});
const count = z.object({ n: z.number() });
const iso = (ms: number) => new Date(ms).toISOString();

/** One bulk insert (source 'backfill'), ON CONFLICT DO NOTHING; returns the ids that went in. */
export async function insertBackfillSessions(db: CommonQueryMethods, sessions: readonly SessionRow[]): Promise<readonly string[]> {
  if (sessions.length === 0) return [];
  const columns = sql.unnest(
    sessions.map((s) => [s.sessionId, s.userId, iso(s.startMs), iso(s.endMs), s.timeZone]),
    ['text', 'text', 'timestamptz', 'timestamptz', 'text'],
  );
  return db.anyFirst(sql.type(z.object({ session_id: z.string() }))`
    insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source)
    select session_id, user_id, start_time, end_time, timezone, 'backfill'
    from ${columns} as t(session_id, user_id, start_time, end_time, timezone)
    on conflict (session_id) do nothing
    returning session_id`);
}

/** The stored rows of these session ids, at millisecond precision. */
export async function storedSessions(db: CommonQueryMethods, sessionIds: readonly string[]): Promise<readonly SessionRow[]> {
  if (sessionIds.length === 0) return [];
  return db.any(sql.type(storedRow)`
    select session_id as "sessionId", user_id as "userId", accept_session_ms(start_time) as "startMs",
           accept_session_ms(end_time) as "endMs", timezone as "timeZone"
    from focus_sessions where session_id = any (${sql.array([...sessionIds], 'text')})`);
}

export async function countUsersWithSessions(db: CommonQueryMethods): Promise<number> {
  return db.oneFirst(sql.type(count)`select count(distinct user_id)::int as n from focus_sessions`);
}

/** Sessions stored per user, for each of `userIds` (0 for a user without any). */
export async function sessionCountsByUser(db: CommonQueryMethods, userIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.any(sql.type(z.object({ id: z.string(), stored: z.number() }))`
    select u.id, (select count(*)::int from focus_sessions f where f.user_id = u.id) as stored
    from unnest(${sql.array([...userIds], 'text')}) as u(id)`);
  return new Map(rows.map((r) => [r.id, r.stored]));
}
