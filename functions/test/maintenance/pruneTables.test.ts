import { sql } from 'slonik';
import { z } from 'zod';
import { pruneTables } from '../../src/maintenance/pruneTables';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { streakEvent } from '../support/streakEvent';

describe('pruneTables', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  /** An outbox row of `user` in the given state, settled (or created, if pending) `daysAgo` days ago. */
  const outboxRow = (user: string, version: number, state: 'published' | 'superseded' | 'pending', daysAgo: number) => {
    const at = sql.fragment`now() - ${daysAgo}::int * interval '1 day'`;
    return db.pool.query(sql.unsafe`
      insert into streak_outbox (user_id, version, payload, created_at, published_at, superseded_at)
      values (${user}, ${version}, ${JSON.stringify(streakEvent(user, version))}::jsonb, ${at},
              ${state === 'published' ? at : null}, ${state === 'superseded' ? at : null})`);
  };
  const reject = (path: string, daysAgo: number) =>
    db.pool.query(sql.unsafe`
      insert into backfill_rejects (document_path, reason, created_at) values (${path}, 'missing_user', now() - ${daysAgo}::int * interval '1 day')`);

  it('deletes settled outbox rows and rejects older than the retention, in batches, keeping newer and pending rows', async () => {
    await db.pool.query(sql.unsafe`insert into users (id) values ('ada'), ('bob'), ('cid')`);
    // One statement per row, so each is inserted alone (a newer row supersedes older pending ones).
    for (let v = 1; v <= 5; v++) await outboxRow('ada', v, 'published', 40);
    await outboxRow('bob', 1, 'superseded', 31);
    await outboxRow('bob', 2, 'published', 29);
    await outboxRow('cid', 1, 'pending', 100);
    for (let i = 0; i < 3; i++) await reject(`sessions/old-${i}`, 45);
    await reject('sessions/recent', 2);

    const summary = await pruneTables(db.pool, { retentionDays: 30, batchSize: 2 });
    expect(summary).toMatchObject({ outboxRows: 6, rejects: 3, complete: true });

    const outbox = await db.pool.any(sql.type(z.object({ user_id: z.string(), version: z.coerce.number() }))`
      select user_id, version from streak_outbox order by user_id, version`);
    expect(outbox.map((r) => `${r.user_id}#${r.version}`)).toEqual(['bob#2', 'cid#1']);
    const rejects = await db.pool.anyFirst(sql.type(z.object({ document_path: z.string() }))`select document_path from backfill_rejects order by id`);
    expect(rejects).toEqual(['sessions/recent']);

    await expect(pruneTables(db.pool, { retentionDays: 30, batchSize: 2 })).resolves.toMatchObject({ outboxRows: 0, rejects: 0, complete: true });
  });

  it('deletes reverse-mirror rows written longer ago than the retention, never a pending one however old', async () => {
    await db.pool.query(sql.unsafe`insert into users (id) values ('eve') on conflict do nothing`);
    await db.pool.query(sql.unsafe`
      insert into focus_sessions (user_id, session_id, start_time, end_time, timezone, source)
      select 'eve', 's' || i, timestamptz '2025-01-01T08:00Z' + i * interval '1 hour', timestamptz '2025-01-01T08:30Z' + i * interval '1 hour', 'UTC', 'callable'
      from generate_series(1, 4) i`);
    await db.pool.query(sql.unsafe`
      insert into legacy_mirror (user_id, session_id, queued_at, mirrored_at) values
        ('eve', 's1', now() - interval '50 days', now() - interval '40 days'),
        ('eve', 's2', now() - interval '50 days', now() - interval '31 days'),
        ('eve', 's3', now() - interval '50 days', now() - interval '2 days'),
        ('eve', 's4', now() - interval '90 days', null)`);
    await expect(pruneTables(db.pool, { retentionDays: 30, batchSize: 1 })).resolves.toMatchObject({ mirrorRows: 2, complete: true });
    const left = await db.pool.anyFirst(sql.type(z.object({ session_id: z.string() }))`select session_id from legacy_mirror where user_id = 'eve' order by session_id`);
    expect(left).toEqual(['s3', 's4']);
  });

  it('stops at its time budget and says the run is incomplete', async () => {
    await db.pool.query(sql.unsafe`insert into users (id) values ('dan') on conflict do nothing`);
    for (let v = 1; v <= 3; v++) await outboxRow('dan', v, 'published', 60);
    await expect(pruneTables(db.pool, { retentionDays: 30, batchSize: 1, timeBudgetMs: 0 })).resolves.toMatchObject({ outboxRows: 0, complete: false });
    await expect(pruneTables(db.pool, { retentionDays: 30, batchSize: 1 })).resolves.toMatchObject({ outboxRows: 3, complete: true });
  });
});
