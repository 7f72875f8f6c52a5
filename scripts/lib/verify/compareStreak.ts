import { z } from 'zod';

export const STREAK_FIELDS = ['currentStreak', 'longestStreak', 'lastQualifiedDate', 'qualifiedDaysCount'] as const;
export type StreakField = (typeof STREAK_FIELDS)[number];
export type StreakValues = Record<StreakField, number | string | null>;

/** legacy `streaks/{userId}`: any of the fields may be absent (older app versions wrote fewer). */
export const legacyStreakSchema = z
  .object({
    currentStreak: z.number().int().min(0).optional(),
    longestStreak: z.number().int().min(0).optional(),
    lastQualifiedDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable().optional(),
    qualifiedDaysCount: z.number().int().min(0).optional(),
  })
  .passthrough();

export type Verdict = 'equal' | 'legacy_late_data' | 'mismatch';

export interface FieldDifference {
  field: StreakField;
  legacy: number | string | null;
  sql: number | string | null;
}

/**
 * Compares one user's legacy streak with SQL. The legacy app ignored late sessions, so it can only
 * undercount: a difference where SQL is ahead on every differing field is `legacy_late_data`
 * (explained), anything where SQL is behind is a `mismatch` (a lost or mis-parsed session).
 */
export function compareStreak(legacy: Partial<StreakValues>, sql: StreakValues): { verdict: Verdict; differences: FieldDifference[] } {
  const differences: FieldDifference[] = [];
  for (const field of STREAK_FIELDS) {
    if (legacy[field] === undefined) continue;
    const l = legacy[field] ?? null;
    const s = sql[field];
    if (l !== s) differences.push({ field, legacy: l, sql: s });
  }
  if (differences.length === 0) return { verdict: 'equal', differences };
  const sqlAhead = differences.every((d) => d.legacy === null || (d.sql !== null && d.sql > d.legacy));
  return { verdict: sqlAhead ? 'legacy_late_data' : 'mismatch', differences };
}
