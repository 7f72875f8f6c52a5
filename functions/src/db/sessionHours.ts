import { sql, type CommonQueryMethods, type DatabasePool } from 'slonik';
import { z } from 'zod';

/**
 * The home of session_hours and its watermark (sql/015): sessions per UTC hour of arrival and source,
 * rolled up from focus_sessions' created_at index by whoever reads them (the status, the reconcile
 * pass), so the accept path carries no counter. Hours after the watermark are counted live.
 */

/** An hour is closed once it ended this long ago: created_at is its transaction's start, and no writer's transaction lasts that long. */
export const CLOSED_HOUR_MARGIN_MINUTES = 10;

export interface HourCount {
  /** Start of the UTC hour, epoch ms. */
  hourMs: number;
  source: string;
  sessions: number;
}

const hourRow = z.object({ hourMs: z.coerce.number(), source: z.string(), sessions: z.coerce.number() });
const epochMs = (column: ReturnType<typeof sql.identifier>) => sql.fragment`(extract(epoch from ${column}) * 1000)::float8`;

/**
 * Rolls the sessions of every newly closed hour into session_hours and moves the watermark, in one
 * transaction that holds the watermark row (a concurrent roller waits, then finds nothing to do).
 * Returns the hours rolled; 0 without a transaction when no hour closed since the last roll.
 */
export async function rollUpSessionHours(pool: DatabasePool): Promise<number> {
  const due = await pool.oneFirst(sql.type(z.object({ due: z.boolean() }))`
    select w.until < date_trunc('hour', now() - ${CLOSED_HOUR_MARGIN_MINUTES}::int * interval '1 minute', 'UTC') as due
    from session_hours_watermark w`);
  if (!due) return 0;
  return pool.transaction(async (tx) => {
    const window = await tx.one(sql.type(z.object({ fromMs: z.coerce.number(), toMs: z.coerce.number() }))`
      select ${epochMs(sql.identifier(['w', 'until']))} as "fromMs",
             (extract(epoch from date_trunc('hour', now() - ${CLOSED_HOUR_MARGIN_MINUTES}::int * interval '1 minute', 'UTC')) * 1000)::float8 as "toMs"
      from session_hours_watermark w for update`);
    if (window.toMs <= window.fromMs) return 0;
    const from = sql.fragment`to_timestamp(${window.fromMs}::float8 / 1000)`;
    const to = sql.fragment`to_timestamp(${window.toMs}::float8 / 1000)`;
    await tx.query(sql.type(z.object({}))`
      insert into session_hours (hour, source, sessions)
      select date_trunc('hour', f.created_at, 'UTC'), f.source, count(*)
      from focus_sessions f
      where f.created_at >= ${from} and f.created_at < ${to}
      group by 1, 2
      on conflict (hour, source) do update set sessions = excluded.sessions`);
    await tx.query(sql.type(z.object({}))`update session_hours_watermark set until = ${to}`);
    return Math.round((window.toMs - window.fromMs) / 3_600_000);
  });
}

/**
 * Sessions per hour and source from `fromMs` on: closed hours from session_hours, the hours after
 * the watermark counted live over the created_at index.
 */
export async function sessionHoursSince(db: CommonQueryMethods, fromMs: number): Promise<readonly HourCount[]> {
  return db.any(sql.type(hourRow)`
    select ${epochMs(sql.identifier(['h', 'hour']))} as "hourMs", h.source, h.sessions
    from session_hours h
    where h.hour >= to_timestamp(${fromMs}::float8 / 1000)
    union all
    select (extract(epoch from date_trunc('hour', f.created_at, 'UTC')) * 1000)::float8, f.source, count(*)
    from focus_sessions f
    where f.created_at >= (select w.until from session_hours_watermark w)
    group by 1, 2
    order by 1, 2`);
}

export interface SourceTotal {
  source: string;
  sessions: number;
  /** Start of the latest hour with a session of this source, epoch ms. */
  lastHourMs: number;
}

/** Sessions ever stored per source (as they arrived: later deletions stay counted), with the latest hour of each. */
export async function sessionTotalsBySource(db: CommonQueryMethods): Promise<readonly SourceTotal[]> {
  return db.any(sql.type(z.object({ source: z.string(), sessions: z.coerce.number(), lastHourMs: z.coerce.number() }))`
    select t.source, sum(t.sessions) as sessions, (extract(epoch from max(t.hour)) * 1000)::float8 as "lastHourMs"
    from (
      select h.source, h.sessions, h.hour from session_hours h
      union all
      select f.source, count(*), max(date_trunc('hour', f.created_at, 'UTC'))
      from focus_sessions f
      where f.created_at >= (select w.until from session_hours_watermark w)
      group by f.source
    ) t
    group by t.source
    order by t.source`);
}

/**
 * Sessions of `source` that arrived before the end of the hour holding `beforeMs`: an upper bound of
 * those that arrived before that instant (the hour it falls in is counted whole), from the rollup and,
 * past the watermark, the created_at index.
 */
export async function sessionsArrivedBefore(db: CommonQueryMethods, source: string, beforeMs: number): Promise<number> {
  const hourEnd = sql.fragment`date_trunc('hour', to_timestamp(${beforeMs}::float8 / 1000), 'UTC') + interval '1 hour'`;
  return db.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    select coalesce((select sum(h.sessions) from session_hours h where h.source = ${source} and h.hour < ${hourEnd}), 0)
         + (select count(*) from focus_sessions f
            where f.source = ${source} and f.created_at >= (select w.until from session_hours_watermark w) and f.created_at < ${hourEnd}) as n`);
}
