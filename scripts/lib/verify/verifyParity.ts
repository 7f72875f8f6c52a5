import type { DatabasePool } from 'slonik';
import { rejectedSessionsByUser } from '../../../functions/src/db/backfillRejects';
import { sessionCountsByUser } from '../../../functions/src/db/focusSessions';
import { addLegacyUsers, countStreaksWithoutLegacy, dropLegacyUserSet, startLegacyUserSet, streakValuesOf } from '../../../functions/src/db/streakParity';
import { isMirroredSession, misplacedLine } from '../../../functions/src/legacy';
import { compareStreak, legacyStreakSchema, STREAK_FIELDS, type FieldDifference, type StreakField, type StreakValues, type Verdict } from './compareStreak';
import type { LegacySource } from '../backfill/legacySource';

export interface ParityReport {
  /** Legacy streak documents read: compared (legacyUsers) plus unreadable. */
  legacyDocuments: number;
  /** Readable legacy streaks, each compared with SQL: equal + legacy_late_data + mismatch + missing_in_sql. */
  legacyUsers: number;
  verdicts: Record<Verdict | 'missing_in_sql' | 'missing_in_legacy' | 'unreadable', number>;
  /** Of the users found in SQL, those with a day start: compared with the legacy midnight rule's values, not their stored streak. */
  midnightRuleUsers: number;
  /** Per field: users equal / different (among users present on both sides with the field). */
  fields: Record<StreakField, { equal: number; different: number }>;
  differences: Array<{ userId: string; verdict: Verdict | 'missing_in_sql'; differences: FieldDifference[] }>;
  /** The first `limit` legacy streak documents that could not be read, and why (verdicts.unreadable counts all). */
  unreadable: Array<{ path: string; why: string }>;
  /** Export lines that were no document at all (bad JSON, bad path): not counted as streaks; the first `limit`. */
  unreadableLines: { count: number; examples: Array<{ path: string; why: string }> };
  /** Users whose legacy session count (export files only) is not SQL sessions + rejects. */
  sessionCounts: { compared: number; different: number; examples: Array<{ userId: string; legacy: number; sql: number; rejected: number }> } | null;
}

/**
 * Streams legacy streaks/{userId} documents page by page and compares each page with SQL in one
 * query; memory holds counters, the first `limit` differences and (for files) session counts.
 */
export async function verifyParity(
  pool: DatabasePool,
  source: LegacySource,
  options: {
    limit: number;
    batchSize: number;
    /** The threshold the midnight rule's values of day-start users are computed with (QUALIFY_MINUTES). */
    qualifySeconds: number;
    collection?: string;
    onMismatch?: (entry: ParityReport['differences'][number]) => void;
  },
): Promise<ParityReport> {
  const streaksCollection = options.collection ?? 'streaks';
  const report: ParityReport = {
    legacyDocuments: 0,
    legacyUsers: 0,
    verdicts: { equal: 0, legacy_late_data: 0, mismatch: 0, missing_in_sql: 0, missing_in_legacy: 0, unreadable: 0 },
    midnightRuleUsers: 0,
    fields: Object.fromEntries(STREAK_FIELDS.map((f) => [f, { equal: 0, different: 0 }])) as ParityReport['fields'],
    differences: [],
    unreadable: [],
    unreadableLines: { count: 0, examples: [] },
    sessionCounts: null,
  };
  const unreadable = (path: string, why: string) => {
    report.verdicts.unreadable += 1;
    report.legacyDocuments += 1;
    if (report.unreadable.length < options.limit) report.unreadable.push({ path, why });
  };
  const legacySessions = new Map<string, number>();
  const note = (entry: ParityReport['differences'][number]) => {
    if (report.differences.length < options.limit) report.differences.push(entry);
    // Every real mismatch, whatever --limit says: the caller keeps its own capped sample.
    if (entry.verdict !== 'legacy_late_data') options.onMismatch?.(entry);
  };
  return pool.connect(async (conn) => {
    await startLegacyUserSet(conn);
    for await (const batch of source.batches(null, options.batchSize)) {
      const legacy = new Map<string, Partial<StreakValues>>();
      for (const item of batch.items) {
        if (!item.doc) {
          report.unreadableLines.count += 1;
          if (report.unreadableLines.examples.length < options.limit) report.unreadableLines.examples.push({ path: item.reject.path, why: `${item.reject.reason}: ${item.reject.detail}` });
          continue;
        }
        const misplaced = misplacedLine(item.doc, 'streaks');
        if (misplaced && item.doc.collection === streaksCollection) {
          unreadable(item.doc.path, misplaced.detail);
          continue;
        }
        if (item.doc.collection === 'sessions') {
          // The reverse mirror's copies are sessions SQL holds already, not legacy sessions.
          if (isMirroredSession(item.doc.data)) continue;
          const user = typeof item.doc.data.userId === 'string' ? item.doc.data.userId : item.doc.parentId;
          if (user) legacySessions.set(user, (legacySessions.get(user) ?? 0) + 1);
          continue;
        }
        if (item.doc.collection !== streaksCollection || item.doc.parentId !== null) continue;
        const parsed = legacyStreakSchema.safeParse(item.doc.data);
        if (!parsed.success) unreadable(item.doc.path, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        else if (STREAK_FIELDS.every((f) => parsed.data[f] === undefined)) unreadable(item.doc.path, `none of ${STREAK_FIELDS.join(', ')}`);
        else legacy.set(item.doc.id, parsed.data);
      }
      if (legacy.size === 0) continue;
      const ids = [...legacy.keys()];
      report.legacyUsers += ids.length;
      report.legacyDocuments += ids.length;
      await addLegacyUsers(conn, ids);
      const bySql = new Map((await streakValuesOf(conn, ids, options.qualifySeconds)).map((r) => [r.userId, r]));
      for (const [userId, values] of legacy) {
        const stored = bySql.get(userId);
        if (!stored) {
          report.verdicts.missing_in_sql += 1;
          note({ userId, verdict: 'missing_in_sql', differences: [] });
          continue;
        }
        const { userId: _, midnightRule, ...storedValues } = stored;
        if (midnightRule) report.midnightRuleUsers += 1;
        const { verdict, differences } = compareStreak(values, storedValues);
        report.verdicts[verdict] += 1;
        for (const field of STREAK_FIELDS) {
          if (values[field] === undefined) continue;
          report.fields[field][differences.some((d) => d.field === field) ? 'different' : 'equal'] += 1;
        }
        if (verdict !== 'equal') note({ userId, verdict, differences });
      }
    }
    report.verdicts.missing_in_legacy = await countStreaksWithoutLegacy(conn);
    if (legacySessions.size > 0) report.sessionCounts = await compareSessionCounts(conn, legacySessions, options.limit);
    await dropLegacyUserSet(conn);
    return report;
  });
}

async function compareSessionCounts(conn: Parameters<Parameters<DatabasePool['connect']>[0]>[0], legacy: Map<string, number>, limit: number) {
  const ids = [...legacy.keys()];
  const stored = await sessionCountsByUser(conn, ids);
  const rejected = await rejectedSessionsByUser(conn, ids);
  const result = { compared: ids.length, different: 0, examples: [] as Array<{ userId: string; legacy: number; sql: number; rejected: number }> };
  for (const id of ids) {
    const count = legacy.get(id) ?? 0;
    const sqlCount = stored.get(id) ?? 0;
    const rejects = rejected.get(id) ?? 0;
    if (count === sqlCount + rejects) continue;
    result.different += 1;
    if (result.examples.length < limit) result.examples.push({ userId: id, legacy: count, sql: sqlCount, rejected: rejects });
  }
  return result;
}
