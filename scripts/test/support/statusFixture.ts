import { sql, type DatabasePool } from 'slonik';
import { joinRunGroup } from '../../../functions/src/db/backfillRunGroups';
import { storeRejects } from '../../../functions/src/db/backfillRejects';
import { createRun, emptyCounts, finishRun, recordSourceTotal, saveProgress } from '../../../functions/src/db/backfillRuns';
import { recordMirrorPass } from '../../../functions/src/db/legacyMirror';
import { recordParityPass } from '../../../functions/src/db/parityPasses';
import { recordVerifyResult } from '../../../functions/src/db/verifyResults';
import { storedOptions } from './storedOptions';

const HOUR = 3_600_000;
export const floorHour = (ms: number) => Math.floor(ms / HOUR) * HOUR;

/** The cut-over curve of the seeded days: per hour back from now, bridge falls as callable rises, with one backfill burst. */
export function seededHour(hoursAgo: number): Record<'callable' | 'bridge' | 'backfill', number> {
  // The hour that leaves the last-24-hours window when the clock turns the hour holds nothing, so a
  // figure read a moment later (by another process) is the same.
  if (hoursAgo === 23) return { callable: 0, bridge: 0, backfill: 0 };
  const t = (71 - hoursAgo) / 71;
  return {
    callable: Math.round(12 * t),
    bridge: Math.round(12 * (1 - t)),
    backfill: hoursAgo >= 50 && hoursAgo <= 52 ? 40 : 0,
  };
}

export interface SeededStatus {
  /** Sessions per source over the whole seed. */
  bySource: Record<string, number>;
  /** Per source, the hours 0..23 ago. */
  last24h: Record<string, number>;
  /** Sessions per (hour start ISO, source). */
  hourly: Map<string, Record<string, number>>;
  rejects: Record<string, number>;
}

/**
 * A database as it looks mid-migration: three days of sessions of every source (arrived over those
 * days: created_at is set, and the rollup's watermark is moved back so the status counts them), bridge
 * rejects, backfill runs (completed, running with progress, stalled, a catch-up), two verify results, a
 * pass of each parity kind, a pending outbox and its samples over the three days, and the reverse
 * mirror on with three callable sessions written and two pending, one of them failing.
 */
export async function seedStatus(pool: DatabasePool, nowMs: number): Promise<SeededStatus> {
  const current = floorHour(nowMs);
  const rows: Array<[string, string, string, string]> = [];
  const bySource: Record<string, number> = { callable: 0, bridge: 0, backfill: 0 };
  const last24h: Record<string, number> = { callable: 0, bridge: 0, backfill: 0 };
  const hourly = new Map<string, Record<string, number>>();
  for (let ago = 0; ago < 72; ago++) {
    const hour = current - ago * HOUR;
    const counts = seededHour(ago);
    hourly.set(new Date(hour).toISOString(), counts);
    for (const [source, n] of Object.entries(counts)) {
      bySource[source] = (bySource[source] ?? 0) + n;
      if (ago < 24) last24h[source] = (last24h[source] ?? 0) + n;
      for (let i = 0; i < n; i++) {
        // Spread over the hour; the current one only up to now.
        const span = ago === 0 ? Math.max(1, nowMs - hour) : HOUR;
        const createdAt = hour + Math.floor(((i + 0.5) / n) * span * 0.9);
        rows.push([`user-${(rows.length % 17) + 1}`, `${source}-${ago}-${i}`, source, new Date(createdAt).toISOString()]);
      }
    }
  }
  await pool.query(sql.unsafe`insert into users (id) select 'user-' || i from generate_series(1, 17) i on conflict do nothing`);
  await pool.query(sql.unsafe`
    insert into focus_sessions (user_id, session_id, start_time, end_time, timezone, source, created_at)
    select u, s, timestamptz '2025-06-01T08:00Z' + (row_number() over ()) * interval '1 minute',
           timestamptz '2025-06-01T08:40Z' + (row_number() over ()) * interval '1 minute', 'UTC', src, c
    from ${sql.unnest(rows, ['text', 'text', 'text', 'timestamptz'])} as t(u, s, src, c)`);
  // The rollup counts from its watermark on; these sessions "arrived" before it was set.
  await pool.query(sql.unsafe`delete from session_hours`);
  await pool.query(sql.unsafe`update session_hours_watermark set until = ${new Date(current - 80 * HOUR).toISOString()}::timestamptz`);

  const rejects = { too_long: 3, invalid_timezone: 2, missing_user: 1 };
  let r = 0;
  for (const [reason, n] of Object.entries(rejects)) {
    for (let i = 0; i < n; i++) await storeRejects(pool, null, [{ path: `sessions/rejected-${++r}`, reason: reason as never, detail: 'seeded', raw: { userId: 'user-1' } }]);
  }

  // Backfill runs: users completed; sessions sharded, one shard done, one running with progress, one stalled; a catch-up completed.
  const counts = (read: number, extra: Partial<ReturnType<typeof emptyCounts>> = {}) => ({ ...emptyCounts(), read, inserted: Math.floor(read * 0.9), duplicates: Math.floor(read * 0.05), rejected: read - Math.floor(read * 0.9) - Math.floor(read * 0.05), ...extra });
  const shard = (index: number) => storedOptions({ source: { type: 'firestore', readTimeMs: current - 60 * HOUR, shard: { index, count: 3 }, partitions: 1 } });
  await createRun(pool, { id: 'users-1', kind: 'users', source: 'firestore collection users', options: storedOptions({ kind: 'users' }) });
  await finishRun(pool, 'users-1', 'completed', counts(200, { sourceDone: true }));
  // The three shards are the tasks of one Cloud Run Jobs execution: one run group.
  await joinRunGroup(pool, { id: 'backfill-sessions-x7k2p', kind: 'sessions', taskCount: 3 });
  for (const [index, id] of ['sessions-0', 'sessions-1', 'sessions-2'].entries()) {
    await createRun(pool, { id, kind: 'sessions', source: `firestore collection sessions shard ${index}/3`, options: shard(index), group: 'backfill-sessions-x7k2p' });
    await recordSourceTotal(pool, id, 4000);
  }
  await finishRun(pool, 'sessions-0', 'completed', counts(4000, { sourceDone: true }));
  await saveProgress(pool, 'sessions-1', { at: 2500 }, counts(2500));
  await saveProgress(pool, 'sessions-2', { at: 1000 }, counts(1000));
  await pool.query(sql.unsafe`update backfill_runs set updated_at = now() - interval '25 minutes' where id = 'sessions-2'`);
  await createRun(pool, { id: 'catch-up', kind: 'sessions', source: 'firestore collection sessions', options: storedOptions({ since: { field: 'createdAt', fromMs: current - 61 * HOUR } }) });
  await finishRun(pool, 'catch-up', 'completed', counts(120, { sourceDone: true }));
  await pool.query(sql.unsafe`update backfill_runs set started_at = now() - (case id when 'users-1' then 70 when 'sessions-0' then 60 when 'sessions-1' then 59 when 'sessions-2' then 58 else 50 end) * interval '1 hour'`);

  // An older verify with mismatches, then the last one: 2 mismatches, 5 hours old.
  await recordVerifyResult(pool, { source: 'firestore collection streaks', counts: { equal: 10, mismatch: 5, legacy_late_data: 0, missing_in_sql: 0, missing_in_legacy: 0, unreadable: 0 }, mismatches: [] }, 30);
  await recordVerifyResult(
    pool,
    {
      source: 'firestore collection streaks',
      counts: { legacyDocuments: 40, legacyUsers: 40, equal: 35, legacy_late_data: 3, mismatch: 1, missing_in_sql: 1, missing_in_legacy: 0, unreadable: 0 },
      mismatches: [
        { userId: 'user-3', verdict: 'mismatch', differences: [{ field: 'longestStreak', legacy: 5, sql: 4 }] },
        { userId: 'user-9', verdict: 'missing_in_sql', differences: [] },
      ],
    },
    30,
  );
  await pool.query(sql.unsafe`update verify_results set finished_at = now() - interval '5 hours' where id = (select max(id) from verify_results)`);

  await recordParityPass(pool, { kind: 'ingest', startedAtMs: nowMs - 4 * 60_000, windowFromMs: nowMs - 44 * 60_000, windowToMs: nowMs - 6 * 60_000, counts: { checked: 57, missing: 1, ingested: 1, rejected: 0, failed: 0 }, samples: [{ userId: 'user-5', finding: 'missing', detail: { path: 'sessions/lost-1' } }] }, 30);
  await recordParityPass(pool, { kind: 'projection', startedAtMs: nowMs - 4 * 60_000, outboxHighId: '0', counts: { sampled: 17, behind: 1, different: 0, inFlight: 2 }, samples: [{ userId: 'user-7', finding: 'behind', detail: { sqlVersion: 4, firestoreVersion: 3 } }] }, 30);

  // Two users' versions wait in the outbox; the samples show the backlog over the three days.
  await pool.query(sql.unsafe`
    insert into streak_outbox (user_id, version, payload, created_at) values
      ('user-1', 1, '{}', now() - interval '90 seconds'), ('user-2', 1, '{}', now() - interval '30 seconds')`);
  await pool.query(sql.unsafe`
    insert into status_samples (sampled_at, outbox_pending, oldest_pending_seconds)
    select now() - i * interval '30 minutes', (i % 24) * 3 + (case when i between 100 and 110 then 200 else 0 end), (i % 7) * 10
    from generate_series(1, 143) i`);

  await pool.query(sql.unsafe`
    insert into legacy_mirror (user_id, session_id, queued_at, mirrored_at, attempts, last_error, next_attempt_at)
    select user_id, session_id,
           now() - (case when n <= 3 then 3600 when n = 4 then 150 else 20 end) * interval '1 second',
           case when n <= 3 then now() - interval '59 minutes' end,
           case when n = 4 then 2 else 0 end, case when n = 4 then '14 UNAVAILABLE: seeded' end, now()
    from (select user_id, session_id, row_number() over (order by session_id) as n from focus_sessions where source = 'callable') f
    where n <= 5`);
  await recordMirrorPass(pool, true, { claimed: 1, written: 0, failed: 1, compensated: 0 });
  await pool.query(sql.unsafe`update mirror_state set seen_at = now() - interval '30 seconds', covered_since = now() - interval '80 hours'`);
  // Amnesty after an outage: two users' dates repaired, one of them twice; one freeze bought. Stored
  // directly: applying them would queue projections, which the outbox figures above do not expect.
  await pool.query(sql.unsafe`insert into users (id) values ('st-a'), ('st-b') on conflict do nothing`);
  await pool.query(sql.unsafe`
    insert into streak_adjustments (id, user_id, kind, count, local_date, reason, actor) values
      ('amnesty-1', 'st-a', 'repair', null, '2026-01-05', 'outage 2026-01-05', 'cli:ops'),
      ('amnesty-2', 'st-a', 'repair', null, '2026-01-06', 'outage 2026-01-05', 'cli:ops'),
      ('amnesty-3', 'st-b', 'repair', null, '2026-01-05', 'outage 2026-01-05', 'cli:ops'),
      ('purchase-1', 'st-b', 'grant-freezes', 1, '2026-01-01', 'purchase', 'topic:m1')`);
  return { bySource, last24h, hourly, rejects };
}
