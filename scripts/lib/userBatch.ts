import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { LegacyUser } from '../../functions/src/legacy';

/**
 * Inserts legacy users (ids unique within the batch). An existing user's zone is filled only where
 * it is unset: a zone in SQL came from the user's latest session (DESIGN §3), newer than the legacy
 * field. The legacy zone itself is always kept in legacy_timezone, the fallback of zone-less sessions.
 */
export async function upsertUserBatch(
  tx: CommonQueryMethods,
  users: readonly LegacyUser[],
  options: { dryRun: boolean },
): Promise<{ inserted: number; updated: number; unchanged: number }> {
  if (users.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const input = sql.unnest(users.map((u) => [u.userId, u.timeZone]), ['text', 'text']);
  const counts = z.object({ inserted: z.number(), updated: z.number(), unchanged: z.number() });
  if (options.dryRun) {
    return tx.one(sql.type(counts)`
      select count(*) filter (where u.id is null)::int as inserted,
             count(*) filter (where u.id is not null and u.timezone is null and i.tz is not null)::int as updated,
             count(*) filter (where u.id is not null and not (u.timezone is null and i.tz is not null))::int as unchanged
      from ${input} as i(id, tz) left join users u on u.id = i.id`);
  }
  return tx.one(sql.type(counts)`
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
