import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { compareStreak, legacyStreakSchema, STREAK_FIELDS, type FieldDifference, type StreakField, type StreakValues, type Verdict } from './compareStreak';
import type { LegacySource } from './legacySource';

export interface ParityReport {
  legacyUsers: number;
  verdicts: Record<Verdict | 'missing_in_sql' | 'missing_in_legacy' | 'unreadable', number>;
  /** Per field: users equal / different (among users present on both sides with the field). */
  fields: Record<StreakField, { equal: number; different: number }>;
  differences: Array<{ userId: string; verdict: Verdict | 'missing_in_sql'; differences: FieldDifference[] }>;
  /** Users whose legacy session count (export files only) is not SQL sessions + rejects. */
  sessionCounts: { compared: number; different: number; examples: Array<{ userId: string; legacy: number; sql: number; rejected: number }> } | null;
}

const sqlStreak = z.object({
  user_id: z.string(),
  currentStreak: z.number(),
  longestStreak: z.number(),
  lastQualifiedDate: z.string().nullable(),
  qualifiedDaysCount: z.number(),
});

/**
 * Streams legacy streaks/{userId} documents page by page and compares each page with SQL in one
 * query; memory holds counters, the first `limit` differences and (for files) session counts.
 */
export async function verifyParity(pool: DatabasePool, source: LegacySource, options: { limit: number; batchSize: number }): Promise<ParityReport> {
  const report: ParityReport = {
    legacyUsers: 0,
    verdicts: { equal: 0, legacy_late_data: 0, mismatch: 0, missing_in_sql: 0, missing_in_legacy: 0, unreadable: 0 },
    fields: Object.fromEntries(STREAK_FIELDS.map((f) => [f, { equal: 0, different: 0 }])) as ParityReport['fields'],
    differences: [],
    sessionCounts: null,
  };
  const legacySessions = new Map<string, number>();
  const note = (entry: ParityReport['differences'][number]) => {
    if (report.differences.length < options.limit) report.differences.push(entry);
  };
  return pool.connect(async (conn) => {
    await conn.query(sql.unsafe`create temporary table if not exists verify_legacy_users (id text primary key) on commit preserve rows`);
    await conn.query(sql.unsafe`truncate verify_legacy_users`);
    for await (const batch of source.batches(null, options.batchSize)) {
      const legacy = new Map<string, Partial<StreakValues>>();
      for (const item of batch.items) {
        if (!item.doc) continue;
        if (item.doc.collection === 'sessions') {
          const user = typeof item.doc.data.userId === 'string' ? item.doc.data.userId : item.doc.parentId;
          if (user) legacySessions.set(user, (legacySessions.get(user) ?? 0) + 1);
          continue;
        }
        if (item.doc.collection !== 'streaks' || item.doc.parentId !== null) continue;
        const parsed = legacyStreakSchema.safeParse(item.doc.data);
        if (!parsed.success || STREAK_FIELDS.every((f) => parsed.data[f] === undefined)) report.verdicts.unreadable += 1;
        else legacy.set(item.doc.id, parsed.data);
      }
      if (legacy.size === 0) continue;
      const ids = [...legacy.keys()];
      report.legacyUsers += ids.length;
      await conn.query(sql.unsafe`insert into verify_legacy_users select unnest(${sql.array(ids, 'text')}) on conflict do nothing`);
      const rows = await conn.any(sql.type(sqlStreak)`
        select user_id, current_streak as "currentStreak", longest_streak as "longestStreak",
               to_char(last_qualified_date, 'YYYY-MM-DD') as "lastQualifiedDate", qualified_days_count as "qualifiedDaysCount"
        from user_streaks where user_id = any (${sql.array(ids, 'text')})`);
      const bySql = new Map(rows.map((r) => [r.user_id, r]));
      for (const [userId, values] of legacy) {
        const stored = bySql.get(userId);
        if (!stored) {
          report.verdicts.missing_in_sql += 1;
          note({ userId, verdict: 'missing_in_sql', differences: [] });
          continue;
        }
        const { verdict, differences } = compareStreak(values, stored);
        report.verdicts[verdict] += 1;
        for (const field of STREAK_FIELDS) {
          if (values[field] === undefined) continue;
          report.fields[field][differences.some((d) => d.field === field) ? 'different' : 'equal'] += 1;
        }
        if (verdict !== 'equal') note({ userId, verdict, differences });
      }
    }
    report.verdicts.missing_in_legacy = await conn.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from user_streaks s
      where s.version > 0 and not exists (select from verify_legacy_users v where v.id = s.user_id)`);
    if (legacySessions.size > 0) report.sessionCounts = await compareSessionCounts(conn, legacySessions, options.limit);
    await conn.query(sql.unsafe`drop table verify_legacy_users`);
    return report;
  });
}

async function compareSessionCounts(conn: Parameters<Parameters<DatabasePool['connect']>[0]>[0], legacy: Map<string, number>, limit: number) {
  const ids = [...legacy.keys()];
  const rows = await conn.any(sql.type(z.object({ id: z.string(), stored: z.number(), rejected: z.number() }))`
    select u.id,
           (select count(*)::int from focus_sessions f where f.user_id = u.id) as stored,
           (select count(distinct r.document_path)::int from backfill_rejects r join backfill_runs b on b.id = r.run_id
             where b.kind = 'sessions' and r.raw ->> 'userId' = u.id) as rejected
    from unnest(${sql.array(ids, 'text')}) as u(id)`);
  const result = { compared: rows.length, different: 0, examples: [] as Array<{ userId: string; legacy: number; sql: number; rejected: number }> };
  for (const r of rows) {
    const count = legacy.get(r.id) ?? 0;
    if (count === r.stored + r.rejected) continue;
    result.different += 1;
    if (result.examples.length < limit) result.examples.push({ userId: r.id, legacy: count, sql: r.stored, rejected: r.rejected });
  }
  return result;
}
