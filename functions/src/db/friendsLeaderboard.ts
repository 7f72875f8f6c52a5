import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { toDatabaseError } from './errors';

// The friends leaderboards: the caller and their mutual friends, one statement per board. It reads
// the caller's friendships range, then per member the user_streaks row and the week's daily_focus
// rows by primary key, so its cost follows the number of friends, never the size of the tables.

export type BoardKind = 'streak' | 'weekFocus';

export interface BoardEntry {
  userId: string;
  rank: number;
  currentStreak: number;
  longestStreak: number;
  active: boolean;
  weekFocusMinutes: number;
}

export interface Board {
  /** Monday of the caller's current local week, "YYYY-MM-DD". */
  weekStart: string;
  entries: BoardEntry[];
}

const entryRow = z.object({
  userId: z.string(),
  rank: z.number().int(),
  currentStreak: z.number().int(),
  longestStreak: z.number().int(),
  active: z.boolean(),
  weekFocusMinutes: z.number().int(),
  weekStart: z.string(),
});

// Competition ranks (rank(): 1, 2, 2, 4) on the board's key; the listed order breaks ties by userId.
// An expired streak ranks as 0 on the streak board; the entry still shows its stored values with active false.
const RANK_KEYS: Record<BoardKind, ReturnType<typeof sql.fragment>> = {
  streak: sql.fragment`case when active then current_streak else 0 end desc, longest_streak desc`,
  weekFocus: sql.fragment`week_focus_minutes desc`,
};

/**
 * The board statement. "Today" is a member's date at `nowMs` in their own "today" zone
 * (user_streaks.timezone) and by their own day start, so `active` agrees with getMyStreak: alive while today ≤ lastQualifiedDate + 1 +
 * the dates the member's freezes cover (freeze_reach).
 * The week is the caller's: Monday to Sunday around the caller's date at `nowMs` (UTC for a
 * caller with no zone yet); each member's minutes are floor(seconds / 60) of their own daily_focus on
 * those dates. Rows: the top `limit`, then the caller's own entry when it is not among them.
 */
export function boardStatement(kind: BoardKind, userId: string, nowMs: number, limit: number) {
  const now = sql.fragment`${new Date(nowMs).toISOString()}::timestamptz`;
  return sql.type(entryRow)`
    with week as (
      select d - (extract(isodow from d)::int - 1) as week_start
      from (select coalesce((select user_date_at(${now}, coalesce(s.timezone, 'UTC'), s.day_start_from, s.day_start_minutes)
                             from user_streaks s where s.user_id = ${userId}), (${now} at time zone 'UTC')::date) as d) today
    ),
    members as (
      select f.friend_id as user_id from friendships f where f.user_id = ${userId}
      union all
      select ${userId}::text
    ),
    scored as (
      select m.user_id,
             coalesce(s.current_streak, 0) as current_streak,
             coalesce(s.longest_streak, 0) as longest_streak,
             coalesce(user_date_at(${now}, s.timezone, s.day_start_from, s.day_start_minutes) <= s.last_qualified_date + s.freeze_reach + 1, false) as active,
             (coalesce((select sum(d.focus_seconds) from daily_focus d
                        where d.user_id = m.user_id and d.local_date between w.week_start and w.week_start + 6), 0) / 60)::int as week_focus_minutes
      from members m cross join week w
      -- One primary-key probe per member: the LIMIT keeps the planner from turning this into a hash
      -- join that would read all of user_streaks once the friends list looks long enough.
      left join lateral (
        select s.current_streak, s.longest_streak, s.last_qualified_date, s.freeze_reach, s.timezone, s.day_start_from, s.day_start_minutes
        from user_streaks s where s.user_id = m.user_id limit 1
      ) s on true
    ),
    ranked as (
      select scored.*, rank() over (order by ${RANK_KEYS[kind]}) as rank,
             row_number() over (order by ${RANK_KEYS[kind]}, user_id) as position
      from scored
    )
    select r.user_id as "userId", r.rank::int as rank, r.current_streak as "currentStreak", r.longest_streak as "longestStreak",
           r.active, r.week_focus_minutes as "weekFocusMinutes", to_char(w.week_start, 'YYYY-MM-DD') as "weekStart"
    from ranked r cross join week w
    where r.position <= ${limit} or r.user_id = ${userId}
    order by r.position`;
}

/** The board of `userId` as of `nowMs`: one statement. */
export async function readBoard(db: CommonQueryMethods, kind: BoardKind, userId: string, nowMs: number, limit: number): Promise<Board> {
  let rows: readonly z.infer<typeof entryRow>[];
  try {
    rows = await db.any(boardStatement(kind, userId, nowMs, limit));
  } catch (error) {
    throw toDatabaseError(error);
  }
  // The caller is always a member, so there is always a row carrying the week.
  const weekStart = rows[0]?.weekStart ?? '';
  return { weekStart, entries: rows.map(({ weekStart: _w, ...entry }) => entry) };
}
