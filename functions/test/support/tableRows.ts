import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

/** Row counts of every table in the public schema, in one statement (tables are discovered, not listed). */
export async function countAllRows(pool: CommonQueryMethods): Promise<Record<string, number>> {
  const tables = await pool.manyFirst(
    sql.type(z.object({ name: z.string() }))`select table_name::text as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  );
  const counts = tables.map((name) => sql.fragment`select ${name}::text as name, count(*)::int as n from ${sql.identifier(['public', name])}`);
  const rows = await pool.many(sql.type(z.object({ name: z.string(), n: z.number() }))`${sql.join(counts, sql.fragment` union all `)}`);
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

/** The tables whose row count differs, with before → after: empty when nothing was written. */
export function changedTables(before: Record<string, number>, after: Record<string, number>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).map((n) => `${n}: ${before[n] ?? 'absent'} → ${after[n] ?? 'absent'}`);
}

/** Rows about one user in the tables an accept, a friend call or a deletion writes: 0 once the user is gone. */
export function rowsAbout(pool: CommonQueryMethods, uid: string): Promise<number> {
  return pool.oneFirst(sql.type(z.object({ n: z.number() }))`
    select ((select count(*) from users where id = ${uid}) + (select count(*) from focus_sessions where user_id = ${uid})
      + (select count(*) from daily_focus where user_id = ${uid}) + (select count(*) from streak_runs where user_id = ${uid})
      + (select count(*) from user_streaks where user_id = ${uid}) + (select count(*) from streak_outbox where user_id = ${uid})
      + (select count(*) from friendships where user_id = ${uid} or friend_id = ${uid})
      + (select count(*) from friend_requests where requester_id = ${uid} or addressee_id = ${uid}))::int as n`);
}
