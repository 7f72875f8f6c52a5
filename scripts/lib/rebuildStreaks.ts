import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

export interface RebuildOptions {
  qualifySeconds: number;
  /** Queue one outbox row per changed user (false: --no-project). */
  project: boolean;
}

const changedRow = z.object({ user_id: z.string(), version: z.coerce.number() });

/**
 * Rebuilds credits, runs and streaks of these users set-based in SQL (sql/004 rebuild_streaks).
 * Returns the users whose streak changed, with their new version. Run it inside a transaction
 * when it must commit together with other writes.
 */
export async function rebuildStreaks(
  connection: CommonQueryMethods,
  userIds: readonly string[],
  options: RebuildOptions,
): Promise<Array<{ userId: string; version: number }>> {
  if (userIds.length === 0) return [];
  const rows = await connection.any(sql.type(changedRow)`
    select user_id, version from rebuild_streaks(${sql.array([...userIds], 'text')}, ${options.qualifySeconds}::int, ${options.project})`);
  return rows.map((r) => ({ userId: r.user_id, version: r.version }));
}
