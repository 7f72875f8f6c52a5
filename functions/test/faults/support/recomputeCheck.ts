import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { creditByDate, qualifies, streakFromQualifiedDates, type SessionTimes } from '../../../src/domain';

/**
 * Compares what the database holds as derived state (daily_focus, user_streaks) with a recompute from
 * focus_sessions by the domain: a session counted twice, or a lost update, shows up as a difference.
 */
export async function derivedStateMismatches(db: CommonQueryMethods, qualifySeconds = 1800): Promise<string[]> {
  const sessions = await db.any(
    sql.type(z.object({ userId: z.string(), startMs: z.coerce.number(), endMs: z.coerce.number(), timeZone: z.string() }))`
      select user_id as "userId", (extract(epoch from start_time) * 1000)::bigint as "startMs", (extract(epoch from end_time) * 1000)::bigint as "endMs", timezone as "timeZone"
      from focus_sessions`,
  );
  const daily = await db.any(sql.type(z.object({ userId: z.string(), date: z.string(), seconds: z.number() }))`
    select user_id as "userId", local_date::text as date, focus_seconds as seconds from daily_focus`);
  const streaks = await db.any(
    sql.type(z.object({ userId: z.string(), currentStreak: z.number(), longestStreak: z.number(), lastQualifiedDate: z.string().nullable(), qualifiedDaysCount: z.number() }))`
      select user_id as "userId", current_streak as "currentStreak", longest_streak as "longestStreak", last_qualified_date::text as "lastQualifiedDate", qualified_days_count as "qualifiedDaysCount"
      from user_streaks`,
  );
  const byUser = new Map<string, SessionTimes[]>();
  for (const s of sessions) byUser.set(s.userId, [...(byUser.get(s.userId) ?? []), { startMs: s.startMs, endMs: s.endMs, timeZone: s.timeZone }]);
  const problems: string[] = [];
  const stored = new Map(daily.map((d) => [`${d.userId}|${d.date}`, d.seconds]));
  const expected = new Map<string, number>();
  for (const [userId, list] of byUser) {
    const credit = creditByDate(list);
    for (const [date, seconds] of credit) if (seconds > 0) expected.set(`${userId}|${date}`, seconds);
    const qualified = [...credit].filter(([, seconds]) => qualifies(seconds, qualifySeconds)).map(([date]) => date);
    const want = streakFromQualifiedDates(qualified);
    const got = streaks.find((s) => s.userId === userId);
    const gotValues = got && { currentStreak: got.currentStreak, longestStreak: got.longestStreak, lastQualifiedDate: got.lastQualifiedDate, qualifiedDaysCount: got.qualifiedDaysCount };
    if (JSON.stringify(gotValues) !== JSON.stringify({ currentStreak: want.currentStreak, longestStreak: want.longestStreak, lastQualifiedDate: want.lastQualifiedDate, qualifiedDaysCount: want.qualifiedDaysCount })) {
      problems.push(`user_streaks of ${userId}: stored ${JSON.stringify(gotValues)}, recomputed ${JSON.stringify(want)}`);
    }
  }
  for (const [key, seconds] of expected) if (stored.get(key) !== seconds) problems.push(`daily_focus ${key}: stored ${stored.get(key)}, recomputed ${seconds}`);
  for (const [key, seconds] of stored) if (!expected.has(key) && seconds !== 0) problems.push(`daily_focus ${key}: stored ${seconds}, no session covers it`);
  return problems;
}
