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

  it('stops at its time budget and says the run is incomplete', async () => {
    await db.pool.query(sql.unsafe`insert into users (id) values ('dan') on conflict do nothing`);
    for (let v = 1; v <= 3; v++) await outboxRow('dan', v, 'published', 60);
    await expect(pruneTables(db.pool, { retentionDays: 30, batchSize: 1, timeBudgetMs: 0 })).resolves.toMatchObject({ outboxRows: 0, complete: false });
    await expect(pruneTables(db.pool, { retentionDays: 30, batchSize: 1 })).resolves.toMatchObject({ outboxRows: 3, complete: true });
  });
});
