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
