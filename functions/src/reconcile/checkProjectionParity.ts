import type { ParityPass, ParitySample, StoredParityPass } from '../db/parityPasses';
import { storedVersionOf } from '../projection/streakStore';
import type { Runtime } from '../runtime';
import type { StreakProjections } from './streakProjections';

/** The values streaks/{uid} must hold at the SQL version (timestamps are compared by version alone). */
export const COMPARED_FIELDS = ['currentStreak', 'longestStreak', 'lastQualifiedDate', 'qualifiedDaysCount', 'timezone'] as const;

export interface ProjectionParityOptions {
  /** The last two projection passes, newest first: the sample is drawn from changes between them. */
  previous: readonly StoredParityPass[];
  sampleUsers: number;
  lagMs: number;
}

/**
 * Projection parity: a sample of users whose streak changed since the pass before last (outbox rows
 * at least one pass old), each user's streaks/{uid} compared with user_streaks. At the SQL version
 * the values must be equal (else `different`); a lower version, or none, is `behind` once the SQL
 * change is older than the lag threshold, else still `inFlight`. A higher version is `different`.
 */
export async function checkProjectionParity(runtime: Runtime, projections: StreakProjections, options: ProjectionParityOptions): Promise<ParityPass> {
  const [{ highestOutboxId, usersChangedBetween }, { readStreaks }] = await Promise.all([import('../db/streakOutbox'), import('../db/userStreaks')]);
  const startedAtMs = runtime.now();
  const nowHigh = await highestOutboxId(runtime.db.pool);
  const [last, beforeLast] = options.previous;
  const upTo = last?.outboxHighId ?? nowHigh;
  const floor = (id: string) => String(Math.max(0, Number(id) - 20 * Math.max(options.sampleUsers, 1)));
  const after = beforeLast?.outboxHighId ?? floor(upTo);
  const users = options.sampleUsers > 0 ? await usersChangedBetween(runtime.db.pool, after, upTo, options.sampleUsers) : [];
  const [streaks, documents] = await Promise.all([readStreaks(runtime.db.pool, users), projections.read(users)]);
  const counts = { sampled: 0, behind: 0, different: 0, inFlight: 0 };
  const samples: ParitySample[] = [];
  for (const userId of users) {
    const streak = streaks.get(userId);
    // Deleted since (no row), or never computed: nothing is projected for it.
    if (!streak || streak.version === 0) continue;
    counts.sampled += 1;
    const doc = documents.get(userId);
    const docVersion = doc ? storedVersionOf(doc) : null;
    if (docVersion === streak.version) {
      const fields = COMPARED_FIELDS.filter((f) => (doc![f] ?? null) !== (streak[f] ?? null));
      if (fields.length === 0) continue;
      counts.different += 1;
      samples.push({ userId, finding: 'different', detail: { version: streak.version, fields: Object.fromEntries(fields.map((f) => [f, { firestore: doc![f] ?? null, sql: streak[f] ?? null }])) } });
    } else if (docVersion === null || docVersion < streak.version) {
      const behindMs = startedAtMs - Date.parse(streak.updatedAt ?? new Date(startedAtMs).toISOString());
      if (behindMs <= options.lagMs) {
        counts.inFlight += 1;
        continue;
      }
      counts.behind += 1;
      samples.push({ userId, finding: 'behind', detail: { sqlVersion: streak.version, firestoreVersion: docVersion, behindSeconds: Math.floor(behindMs / 1000) } });
    } else {
      counts.different += 1;
      samples.push({ userId, finding: 'different', detail: { sqlVersion: streak.version, firestoreVersion: docVersion, why: 'Firestore holds a newer version than SQL' } });
    }
  }
  return { kind: 'projection', startedAtMs, outboxHighId: nowHigh, counts, samples };
}
