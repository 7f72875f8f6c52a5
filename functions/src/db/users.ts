import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { LegacyUser } from '../legacy';

/** The users rows the migration toolkit and the legacy bridge read and write. */

const count = z.object({ n: z.number() });
const userCounts = z.object({ inserted: z.number(), updated: z.number(), unchanged: z.number() });

/**
 * The zone of each legacy users/{uid} document, as the users backfill stored it (legacy_timezone).
 * Sessions without a zone of their own fall back to it; users.timezone cannot serve, since it
 * follows the latest session and would make a re-run accept what the first run rejected.
 */
export async function legacyTimeZones(db: CommonQueryMethods, userIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return new Map();
  const rows = await db.any(sql.type(z.object({ id: z.string(), timezone: z.string() }))`
    select id, legacy_timezone as timezone from users where id = any (${sql.array(ids, 'text')}) and legacy_timezone is not null`);
  return new Map(rows.map((r) => [r.id, r.timezone]));
}

/** Creates the users that do not exist yet (sessions reference them); existing rows are left alone. */
export async function ensureUsers(db: CommonQueryMethods, userIds: readonly string[]): Promise<number> {
  if (userIds.length === 0) return 0;
  return db.oneFirst(sql.type(count)`
    with added as (insert into users (id) select unnest(${sql.array([...userIds], 'text')}) on conflict (id) do nothing returning 1)
    select count(*)::int as n from added`);
}

/**
 * Inserts legacy users (ids unique within the batch). An existing user's zone is filled only where
 * it is unset: a zone in SQL came from the user's latest session, which is newer than the legacy
 * field. The legacy zone itself is always kept in legacy_timezone. `dryRun` counts, writes nothing.
 */
export async function upsertLegacyUsers(
  db: CommonQueryMethods,
  users: readonly LegacyUser[],
  options: { dryRun: boolean },
): Promise<{ inserted: number; updated: number; unchanged: number }> {
  if (users.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const input = sql.unnest(users.map((u) => [u.userId, u.timeZone]), ['text', 'text']);
  if (options.dryRun) {
    return db.one(sql.type(userCounts)`
      select count(*) filter (where u.id is null)::int as inserted,
             count(*) filter (where u.id is not null and u.timezone is null and i.tz is not null)::int as updated,
             count(*) filter (where u.id is not null and not (u.timezone is null and i.tz is not null))::int as unchanged
      from ${input} as i(id, tz) left join users u on u.id = i.id`);
  }
  return db.one(sql.type(userCounts)`
    with input as (select * from ${input} as t(id, tz)),
    before as (select u.id, u.timezone from users u join input i on i.id = u.id),
    up as (
      insert into users (id, timezone, legacy_timezone) select id, tz, tz from input
      on conflict (id) do update set
        timezone = coalesce(users.timezone, excluded.timezone),
        legacy_timezone = excluded.legacy_timezone,
        updated_at = now()
      where (users.timezone is null and excluded.timezone is not null)
         or users.legacy_timezone is distinct from excluded.legacy_timezone
      returning id
    )
    select count(*) filter (where b.id is null)::int as inserted,
           count(*) filter (where b.id is not null and up.id is not null and b.timezone is null and i.tz is not null)::int as updated,
           count(*) filter (where b.id is not null and not (b.timezone is null and i.tz is not null))::int as unchanged
    from input i left join before b on b.id = i.id left join up on up.id = i.id`);
}

/** The next `limit` users after `after` (id order) that have at least one session: keyset, never offsets. */
export async function usersWithSessionsAfter(db: CommonQueryMethods, after: string, limit: number): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ id: z.string() }))`
    select u.id from users u
    where u.id > ${after} and exists (select from focus_sessions f where f.user_id = u.id)
    order by u.id limit ${limit}`);
}

/** The ids among `userIds` that have no users row. */
export async function unknownUsers(db: CommonQueryMethods, userIds: readonly string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const missing = await db.anyFirst(sql.type(z.object({ id: z.string() }))`
    select i.id from unnest(${sql.array([...userIds], 'text')}) as i(id)
    where not exists (select from users u where u.id = i.id) order by i.id`);
  return [...missing];
}
