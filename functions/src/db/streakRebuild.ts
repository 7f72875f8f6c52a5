import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { DEFAULT_FREEZE_CAP } from '../domain';

/**
 * Set-based maintenance of user_streaks and streak_outbox for the scripts: the SQL rebuild
 * (rebuild_streaks through rebuild_streaks_reporting, sql/functions) and re-queueing current streaks for the projection
 * (enqueue_streak_projection). The accept path keeps its own statement in acceptStatement.
 */

export interface RebuildOptions {
  qualifySeconds: number;
  /** Most freezes held at once (FREEZE_CAP); the param's default when absent. */
  freezeCap?: number;
  /** Queue one outbox row per changed user (false: --no-project). */
  project: boolean;
}

const reportedRow = z.object({ user_id: z.string(), version: z.coerce.number().nullable(), problem: z.string().nullable() });
const idsParam = (ids: readonly string[] | null) => (ids === null ? null : sql.array([...ids], 'text'));

/** A user a rebuild or a reprojection left as it was, because one of their rows cannot be used. */
export interface UserProblem {
  userId: string;
  /** `invalid_timezone: <zone>` (a zone PostgreSQL does not know), or the database's error. */
  problem: string;
}

export interface RebuildReport {
  /** Users whose streak changed, with their new version. */
  changed: Array<{ userId: string; version: number }>;
  /** Users not rebuilt: one user's bad rows never fail the others of the batch. */
  problems: UserProblem[];
}

function toReport(rows: ReadonlyArray<z.infer<typeof reportedRow>>): RebuildReport {
  const report: RebuildReport = { changed: [], problems: [] };
  for (const r of rows) {
    if (r.problem !== null) report.problems.push({ userId: r.user_id, problem: r.problem });
    else if (r.version !== null) report.changed.push({ userId: r.user_id, version: r.version });
  }
  return report;
}

/**
 * Rebuilds credits, runs and streaks of these users in SQL (rebuild_streaks_reporting). Users with
 * rows the rebuild cannot use are reported in `problems` and left as they were. Run it inside a
 * transaction when it must commit together with other writes.
 */
export async function rebuildStreaksReporting(db: CommonQueryMethods, userIds: readonly string[], options: RebuildOptions): Promise<RebuildReport> {
  if (userIds.length === 0) return { changed: [], problems: [] };
  return toReport(await db.any(sql.type(reportedRow)`
    select user_id, version, problem
    from rebuild_streaks_reporting(${sql.array([...userIds], 'text')}, ${options.qualifySeconds}::int, ${options.project}, ${options.freezeCap ?? DEFAULT_FREEZE_CAP}::int)`));
}

/** The users whose streak changed, with their new version (rebuildStreaksReporting without its problems). */
export async function rebuildStreaks(db: CommonQueryMethods, userIds: readonly string[], options: RebuildOptions): Promise<Array<{ userId: string; version: number }>> {
  return (await rebuildStreaksReporting(db, userIds, options)).changed;
}

/** Why the streaks of a selection would or would not be queued by enqueueStreakProjection. */
export interface ProjectionEligibility {
  /** A computed streak whose current version is not waiting in the outbox: would be queued. */
  eligible: number;
  /** The current version still waits in the outbox: the relay will publish it; nothing to add. */
  waiting: number;
  /** Version 0: no streak was ever computed for the user (no sessions yet). */
  neverComputed: number;
}

/** `userIds` null: every user with a streak row. */
export async function projectionEligibility(db: CommonQueryMethods, userIds: readonly string[] | null): Promise<ProjectionEligibility> {
  return db.one(sql.type(z.object({ eligible: z.number(), waiting: z.number(), neverComputed: z.number() }))`
    with s as (
      select s.version, exists (
          select from streak_outbox o
          where o.user_id = s.user_id and o.version = s.version and o.published_at is null and o.superseded_at is null) as waiting
      from user_streaks s
      where (${idsParam(userIds)}::text[] is null or s.user_id = any (${idsParam(userIds)}::text[])))
    select count(*) filter (where version > 0 and not waiting)::int as eligible,
           count(*) filter (where version > 0 and waiting)::int as waiting,
           count(*) filter (where version = 0)::int as "neverComputed"
    from s`);
}

/** The next `limit` users with a streak row after `after` (id order), restricted to `userIds` unless null. */
export async function streakUsersAfter(db: CommonQueryMethods, after: string, limit: number, userIds: readonly string[] | null): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ user_id: z.string() }))`
    select user_id from user_streaks
    where user_id > ${after} and (${idsParam(userIds)}::text[] is null or user_id = any (${idsParam(userIds)}::text[]))
    order by user_id limit ${limit}`);
}

/** Bumps the version of each eligible streak and queues one outbox row for it; users whose streak cannot become an event are reported. */
export async function enqueueStreakProjectionReporting(db: CommonQueryMethods, userIds: readonly string[]): Promise<{ queued: string[]; problems: UserProblem[] }> {
  if (userIds.length === 0) return { queued: [], problems: [] };
  const report = toReport(await db.any(sql.type(reportedRow)`
    select user_id, version, problem from enqueue_streak_projection_reporting(${sql.array([...userIds], 'text')})`));
  return { queued: report.changed.map((c) => c.userId), problems: report.problems };
}

/** Bumps the version of each eligible streak and queues one outbox row for it; returns the users queued. */
export async function enqueueStreakProjection(db: CommonQueryMethods, userIds: readonly string[]): Promise<readonly string[]> {
  return (await enqueueStreakProjectionReporting(db, userIds)).queued;
}

/** The ids among `userIds` without a streak row. */
export async function usersWithoutStreak(db: CommonQueryMethods, userIds: readonly string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const missing = await db.anyFirst(sql.type(z.object({ id: z.string() }))`
    select i.id from unnest(${sql.array([...userIds], 'text')}) as i(id)
    where not exists (select from user_streaks s where s.user_id = i.id) order by i.id`);
  return [...missing];
}
