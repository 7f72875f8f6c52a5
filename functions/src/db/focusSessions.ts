import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

/**
 * The focus_sessions reads and writes of the migration toolkit (the accept path has its own, in
 * one statement with the rest of the write: acceptStatement).
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
const sessionKey = z.object({ userId: z.string(), sessionId: z.string() });
const count = z.object({ n: z.number() });
const iso = (ms: number) => new Date(ms).toISOString();

/** A session's key: its id is unique per user, so the same id of two users names two sessions. */
export interface SessionKey {
  userId: string;
  sessionId: string;
}

/** One bulk insert (source 'backfill'), ON CONFLICT DO NOTHING; returns the keys that went in. */
export async function insertBackfillSessions(db: CommonQueryMethods, sessions: readonly SessionRow[]): Promise<readonly SessionKey[]> {
  if (sessions.length === 0) return [];
  const columns = sql.unnest(
    sessions.map((s) => [s.sessionId, s.userId, iso(s.startMs), iso(s.endMs), s.timeZone]),
    ['text', 'text', 'timestamptz', 'timestamptz', 'text'],
  );
  return db.any(sql.type(sessionKey)`
    insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source)
    select session_id, user_id, start_time, end_time, timezone, 'backfill'
    from ${columns} as t(session_id, user_id, start_time, end_time, timezone)
    on conflict (user_id, session_id) do nothing
    returning user_id as "userId", session_id as "sessionId"`);
}

/** The stored rows of these (user, session id) keys, at millisecond precision. */
export async function storedSessions(db: CommonQueryMethods, keys: readonly SessionKey[]): Promise<readonly SessionRow[]> {
  if (keys.length === 0) return [];
  return db.any(sql.type(storedRow)`
    select f.session_id as "sessionId", f.user_id as "userId", floor(extract(epoch from f.start_time) * 1000)::bigint as "startMs",
           floor(extract(epoch from f.end_time) * 1000)::bigint as "endMs", f.timezone as "timeZone"
    from unnest(${sql.array(keys.map((k) => k.userId), 'text')}, ${sql.array(keys.map((k) => k.sessionId), 'text')}) as k(user_id, session_id)
    join focus_sessions f on f.user_id = k.user_id and f.session_id = k.session_id`);
}

/** One string per session key, for maps and sets. */
export const sessionKeyOf = (k: SessionKey): string => JSON.stringify([k.userId, k.sessionId]);

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
