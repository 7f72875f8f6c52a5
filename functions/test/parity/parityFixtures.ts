import fc from 'fast-check';
import { sql, type CommonQueryMethods, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { StreakEventSource } from './referenceStreakEvent';
import { type DayStartChange, type LocalDate, type SessionTimes, addDays } from '../../src/domain';
import { DAY_MS, historyArb, zoneArb } from '../support/arbitraries';
import { storedZoneSpeller } from '../support/storedZones';
import { usesEmbeddedDatabase } from '../support/testDatabase';

export const QUALIFY = 1800;

// PGlite ships its own, older tz database: Morocco's post-2018 rules differ from Node's ICU data there.
const DIVERGENT_ZONES_IN_EMBEDDED = new Set(usesEmbeddedDatabase ? ['Africa/Casablanca'] : []);
export const agreed = (zone: string) => !DIVERGENT_ZONES_IN_EMBEDDED.has(zone);
export const agreedZoneArb = zoneArb.filter(agreed);

export const iso = (ms: number) => new Date(ms).toISOString();

export type ParitySession = SessionTimes & { sessionId: string };

/** Short ids of every allowed character, so equal ends are decided by case, digits, '_' and '-'. */
const sessionIdArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,2}$/);

/**
 * A user's history with ids, where some sessions end exactly when another one does, in another zone
 * (the "today's zone" rule then falls to the ids).
 */
export const tiedHistoryArb: fc.Arbitrary<ParitySession[]> = fc
  .record({
    sessions: historyArb,
    twins: fc.array(fc.record({ pick: fc.nat(), zone: zoneArb, durationMs: fc.integer({ min: 1, max: DAY_MS }) }), { maxLength: 4 }),
  })
  .map(({ sessions, twins }) => [
    ...sessions,
    ...twins.map(({ pick, zone, durationMs }) => {
      const twin = sessions[pick % sessions.length] as SessionTimes;
      return { startMs: twin.endMs - durationMs, endMs: twin.endMs, timeZone: zone };
    }),
  ])
  .map((sessions) => sessions.filter((s) => s.endMs > s.startMs && agreed(s.timeZone)))
  .chain((sessions) =>
    fc
      .uniqueArray(sessionIdArb, { minLength: sessions.length, maxLength: sessions.length })
      .map((ids) => sessions.map((s, i) => ({ ...s, sessionId: ids[i] as string }))),
  );

let runs = 0;
/** A prefix no earlier run of this file used, so runs need no cleanup between them. */
export const newRunPrefix = () => `r${++runs}`;

/** Inserts one user per history (a history may be empty) with its sessions, zones as stored; ids are made unique to the user. */
export async function loadUsers(pool: DatabasePool, prefix: string, histories: readonly ParitySession[][]) {
  const stored = await storedZoneSpeller(pool);
  const users = histories.map((sessions, u) => {
    const userId = `${prefix}-u${u}`;
    return { userId, sessions: sessions.map((s) => ({ ...s, sessionId: `${userId}-${s.sessionId}` })) };
  });
  await pool.query(sql.unsafe`insert into users (id) select unnest(${sql.array(users.map((u) => u.userId), 'text')})`);
  const rows = users.flatMap(({ userId, sessions }) => sessions.map((s) => [s.sessionId, userId, iso(s.startMs), iso(s.endMs), stored(s.timeZone)]));
  await pool.query(sql.unsafe`
    insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source)
    select id, u, s, e, tz, 'backfill' from ${sql.unnest(rows, ['text', 'text', 'timestamptz', 'timestamptz', 'text'])} as t(id, u, s, e, tz)`);
  return users;
}

const changedRow = z.object({ userId: z.string(), version: z.coerce.number() });

/** Calls rebuild_streaks itself: it is the SQL under test. */
export async function rebuild(db: CommonQueryMethods, userIds: readonly string[], options: { qualifySeconds?: number; project?: boolean } = {}) {
  return db.any(sql.type(changedRow)`
    select user_id as "userId", version
    from rebuild_streaks(${sql.array([...userIds], 'text')}, ${options.qualifySeconds ?? QUALIFY}::int, ${options.project ?? true})
    order by user_id`);
}

/** Runs fn in a transaction whose TimeZone setting is `zone`: the SQL must not depend on the server's zone. */
export async function withSessionTimeZone<T>(pool: DatabasePool, zone: string, fn: (connection: CommonQueryMethods) => Promise<T>): Promise<T> {
  return pool.transaction(async (connection) => {
    await connection.query(sql.unsafe`select set_config('TimeZone', ${zone}, true)`);
    return fn(connection);
  });
}

export const storedStreakRow = z.object({
  currentStreak: z.number(),
  longestStreak: z.number(),
  lastQualifiedDate: z.string().nullable(),
  qualifiedDaysCount: z.number(),
  timezone: z.string().nullable(),
  version: z.coerce.number(),
  updatedAt: z.coerce.number().transform(iso),
});

/** The user's streak row as the event sees it, updatedAt to the millisecond; null when there is none. */
export async function readStoredStreak(db: CommonQueryMethods, userId: string): Promise<StreakEventSource | null> {
  return db.maybeOne(sql.type(storedStreakRow)`
    select current_streak as "currentStreak", longest_streak as "longestStreak",
           to_char(last_qualified_date, 'YYYY-MM-DD') as "lastQualifiedDate", qualified_days_count as "qualifiedDaysCount",
           timezone, version, floor(extract(epoch from updated_at) * 1000)::bigint as "updatedAt"
    from user_streaks where user_id = ${userId}`);
}

/** Day-start minutes, weighted towards the ones that meet offset changes (01:00–03:00) and the extremes. */
export const dayStartMinutesArb = fc.oneof(
  fc.integer({ min: 0, max: 48 }).map((n) => n * 15),
  fc.constantFrom(0, 60, 90, 120, 150, 180, 240, 720),
);

/** Up to four day-start changes effective within a few days of `date` (in any order, dates may repeat). */
export const dayStartChangesNear = (date: LocalDate): fc.Arbitrary<DayStartChange[]> =>
  fc.array(fc.record({ effectiveFrom: fc.integer({ min: -3, max: 3 }).map((n) => addDays(date, n)), minutes: dayStartMinutesArb }), { maxLength: 4 });

/**
 * The schedule PostgreSQL keeps (user_streaks.day_start_from / day_start_minutes): per effective date the
 * latest change, ascending; null without one. The model reads the list itself, a later change winning a tie.
 */
export function toSchedule(changes: readonly DayStartChange[]): { from: string[]; minutes: number[] } | null {
  const latest = new Map<LocalDate, number>();
  for (const change of changes) latest.set(change.effectiveFrom, change.minutes);
  if (latest.size === 0) return null;
  const dates = [...latest.keys()].sort();
  return { from: dates, minutes: dates.map((d) => latest.get(d) as number) };
}
